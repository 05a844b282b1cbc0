import { ensureAllTools } from '../src/tools/helm.ts';

const tools = await ensureAllTools();
for (const [major, paths] of Object.entries(tools)) {
  console.log(`helm ${major}: ${paths.helm}\nkubectl (${major} layer): ${paths.kubectl}`);
}
