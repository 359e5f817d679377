// Remembers which source node every part of the extracted IR came from, so that IR validation
// errors (reported by path, e.g. `.apps[0].network.egress.allowlist[0].host`) point at the user's
// line. Containers are keyed by identity; leaves are found through their parent's key.
import type { Location, Locator, PathSegment } from "@mvm/ir";
import type { Node } from "./parser.js";

interface Origin {
  node: Node;
  children: Map<PathSegment, Node>;
}

export class Origins {
  private readonly map = new WeakMap<object, Origin>();

  /** Records `node` as the origin of `value` and each child key's node. Returns `value`. */
  mark<T extends object>(value: T, node: Node, children: Iterable<[PathSegment, Node | undefined]> = []): T {
    const origin = this.map.get(value) ?? { node, children: new Map() };
    for (const [k, n] of children) if (n) origin.children.set(k, n);
    this.map.set(value, origin);
    return value;
  }

  /** Builds an object from [key, value, node] rows, recording the node of each key. */
  object(node: Node, rows: Array<[string, unknown, Node | undefined]>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of rows) out[k] = v;
    return this.mark(
      out,
      node,
      rows.map(([k, , n]) => [k, n] as [PathSegment, Node | undefined]),
    );
  }

  array(node: Node, items: Array<[unknown, Node | undefined]>): unknown[] {
    const out = items.map(([v]) => v);
    return this.mark(
      out,
      node,
      items.map(([, n], i) => [i, n] as [PathSegment, Node | undefined]),
    );
  }

  /** The deepest recorded node along `path` from `root`. */
  nodeAt(root: unknown, path: readonly PathSegment[]): Node | undefined {
    let value: unknown = root;
    let found: Node | undefined;
    for (const seg of path) {
      if (value === null || typeof value !== "object") break;
      const origin = this.map.get(value);
      if (origin) found = origin.children.get(seg) ?? origin.node;
      value = (value as Record<PathSegment, unknown>)[seg];
    }
    if (value !== null && typeof value === "object") {
      const origin = this.map.get(value);
      if (origin) found = origin.node;
    }
    return found;
  }

  locator(root: unknown, toLocation: (node: Node) => Location): Locator {
    return (path) => {
      const node = this.nodeAt(root, path);
      return node ? toLocation(node) : undefined;
    };
  }
}
