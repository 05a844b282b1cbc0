/** `oci://HOST[:PORT]/PATH`: charts pushed to an OCI registry as `helm push` does (no index). */
import { parseOciTarget } from '../../helm/oci/reference.ts';
import type { Provider } from '../target.ts';

export const ociProvider: Provider = {
  scheme: 'oci',
  kind: 'oci',
  usage: 'oci://HOST[:PORT]/PATH',
  check: (url) => void parseOciTarget(url),
  async open(url, opts) {
    parseOciTarget(url);
    // the registry client is only loaded for oci:// targets
    const { OciTarget } = await import('../oci/target.ts');
    return new OciTarget(url, opts);
  },
};
