import { type AnalysisService } from '../drift/analysisService';
import { type EngineService } from '../engine/engineService';
import { type EnvironmentService } from '../environments/environmentService';
import { type ProjectService } from '../projects/projectService';
import { type Logger } from './logger';

/** The services every feature is built on, created once by `extension.ts` and handed to each feature's `register…`. */
export interface CoreServices {
  projects: ProjectService;
  analysis: AnalysisService;
  engines: EngineService;
  environments: EnvironmentService;
  logger: Logger;
}
