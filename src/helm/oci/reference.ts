/**
 * `oci://HOST[:PORT]/PATH` targets, as `helm push` takes them: the chart is pushed to
 * `HOST[:PORT]/PATH/<chart name>:<version with + as _>`.
 */
import { UsageError } from '../../errors.ts';

export interface OciTarget {
  /** host[:port], the key used for credentials and in the HTTP URL. */
  registry: string;
  /** Repository namespace below the registry, without leading or trailing slash ('' at the root). */
  namespace: string;
}

// The distribution spec's repository name grammar, one path component at a time.
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$/;
const HOST_PORT = /^(?:\[[0-9a-fA-F:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)(?::[0-9]{1,5})?$/;

export function isOciUrl(url: string): boolean {
  return url.startsWith('oci://');
}

export function parseOciTarget(url: string): OciTarget {
  if (!isOciUrl(url)) throw new UsageError(`${url}: expected an oci://HOST[:PORT]/PATH reference`);
  const rest = url.slice('oci://'.length).replace(/\/+$/, '');
  const slash = rest.indexOf('/');
  const registry = slash === -1 ? rest : rest.slice(0, slash);
  const namespace = slash === -1 ? '' : rest.slice(slash + 1);
  if (!HOST_PORT.test(registry)) {
    throw new UsageError(`${url}: expected a registry host[:port] after oci://, got "${registry}"`);
  }
  if (/[:@]/.test(namespace)) {
    throw new UsageError(
      `${url}: give the repository path without tag or digest; the tag is the chart version (helm push semantics)`,
    );
  }
  for (const component of namespace === '' ? [] : namespace.split('/')) {
    if (!PATH_COMPONENT.test(component)) {
      throw new UsageError(
        `${url}: path component "${component}" must be lowercase letters, digits and single separators (. _ __ -)`,
      );
    }
  }
  return { registry, namespace };
}

export function repositoryFor(target: OciTarget, chartName: string): string {
  return target.namespace === '' ? chartName : `${target.namespace}/${chartName}`;
}

export function displayRef(target: OciTarget, repository: string, tag: string): string {
  return `oci://${target.registry}/${repository}:${tag}`;
}
