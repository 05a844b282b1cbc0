import type { ChartDefinition } from '../../src/model/chart-source.ts';
import { changelog } from './changelog.ts';
import { chart } from './chart.ts';
import { values } from './values.ts';

const definition: ChartDefinition = {
  chart,
  values,
  changelog,
  schemaRules: {
    // Without the bundled etcd, vineyardd needs somewhere to keep its metadata.
    etcd: {
      if: { properties: { enabled: { const: false } } },
      // biome-ignore lint/suspicious/noThenProperty: `then` is a JSON Schema keyword here.
      then: { properties: { externalEndpoints: { minItems: 1 } } },
    },
  },
};

export default definition;
