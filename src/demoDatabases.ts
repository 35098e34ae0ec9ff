/**
 * Bundle entry (dist/demoDatabases.js) for `npm start`'s demo databases (scripts/start-demo.mjs). Not part of
 * the extension nor of the CLI: left out of the .vsix by .vscodeignore.
 */
export { DEMO_ENV_VARIABLES, startDemoDatabases, writeDemoWorkspace } from './core/app/demoDatabases';
