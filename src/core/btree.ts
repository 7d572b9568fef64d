import * as sortedBTree from 'sorted-btree';

/**
 * sorted-btree is CommonJS with `exports.default`. Under Node's ESM loader the
 * class sits at `.default.default` of the namespace; under CommonJS interop
 * (tsx, bundlers) at `.default`. This file is the one place that knows.
 */
type BTreeClass = typeof sortedBTree.default.default;
const exported = (sortedBTree as unknown as { default: BTreeClass | { default: BTreeClass } }).default;
export const BTree: BTreeClass = typeof exported === 'function' ? exported : exported.default;
export type BTree<K, V> = InstanceType<typeof sortedBTree.default.default<K, V>>;
