// Development entry point: `tsx service/cli/run.ts serve …` runs the CLI from source.
import { main } from './main.js';

await main(process.argv.slice(2));
