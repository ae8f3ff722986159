/** The platforms this project ships. Add a platform by adding its file here. */
import type { PlatformConfig } from '../schema';
import { peaForecast } from './pea-forecast';
import { waqiti } from './waqiti';

export const PLATFORMS: readonly PlatformConfig[] = [waqiti, peaForecast];
