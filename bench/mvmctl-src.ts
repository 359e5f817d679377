// Runs the mvmctl CLI from source (tsx), so the bench needs no `npm run build`.
import { main } from "../packages/mvmctl/src/cli/main.js";

await main(process.argv.slice(2));
