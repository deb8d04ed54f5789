// `pnpm run name-services` at the repository's root (also run after every install there): names the
// READMEs of services created from a template. See name-created-services.ts.
import { nameCreatedServices } from './name-created-services.js';

const root = process.argv[2] ?? process.cwd();
for (const readme of nameCreatedServices(root)) {
  console.log(`${readme}: wrote the service's name and folder in place of <service> and <path>.`);
}
