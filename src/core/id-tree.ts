import { ID_WORDS, splitId, type StreamId } from '../domain/ids.js';

/**
 * An ordered map of records keyed by their stream ID: a B+tree whose nodes
 * keep their keys as 32-bit words in one typed array (see splitId).
 *
 * Hand-written rather than sorted-btree: there, keys are BigInts in JS
 * arrays, so each probe of a search calls a comparator that follows a pointer
 * to a heap BigInt and compares through the runtime; at 100k pending entries
 * those probes miss the cache and dominated XPENDING and XAUTOCLAIM.
 *
 * Seek, insert and delete are O(log n). A node that falls below MIN_FILL
 * items merges with a neighbour under the same parent that has room for it;
 * one left below MIN_FILL has only neighbours too full to take it, so space
 * and height stay proportional to those of a tree of half-full nodes.
 */
const CAPACITY = 64;
const MIN_FILL = CAPACITY / 4;

interface Keyed {
  readonly id: StreamId;
}

class Leaf<V extends Keyed> {
  readonly isLeaf = true;
  /** Four words per value; one spare slot, so that a full leaf can take an insert before it splits. */
  readonly keys = new Uint32Array((CAPACITY + 1) * 4);
  values: V[] = [];
  prev: Leaf<V> | null = null;
  next: Leaf<V> | null = null;

  get size(): number {
    return this.values.length;
  }
}

class Branch<V extends Keyed> {
  readonly isLeaf = false;
  /**
   * Separators, four words each: for i >= 1, keys of slot i are <= every key
   * under children[i] and > every key under children[i - 1]. Slot 0 is unused.
   */
  readonly keys = new Uint32Array((CAPACITY + 1) * 4);
  children: TreeNode<V>[] = [];

  get size(): number {
    return this.children.length;
  }
}

type TreeNode<V extends Keyed> = Leaf<V> | Branch<V>;

/** Sign of (key in `keys` at word `at`) - (k0, k1, k2, k3). */
function compareAt(keys: Uint32Array, at: number, k0: number, k1: number, k2: number, k3: number): number {
  return keys[at]! - k0 || keys[at + 1]! - k1 || keys[at + 2]! - k2 || keys[at + 3]! - k3;
}

/** First index in the leaf whose key is >= k, or its size. */
function leafLowerBound<V extends Keyed>(leaf: Leaf<V>, k0: number, k1: number, k2: number, k3: number): number {
  let lo = 0;
  let hi = leaf.values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareAt(leaf.keys, mid * 4, k0, k1, k2, k3) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The child of `branch` whose range holds k: the last i >= 1 whose separator is <= k, else 0. */
function childIndex<V extends Keyed>(branch: Branch<V>, k0: number, k1: number, k2: number, k3: number): number {
  let lo = 1;
  let hi = branch.children.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareAt(branch.keys, mid * 4, k0, k1, k2, k3) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/** Reads values in key order from a position; the tree must not change while it is used. */
export class IdTreeCursor<V extends Keyed> {
  constructor(
    private leaf: Leaf<V> | null,
    private index: number,
  ) {}

  next(): V | undefined {
    while (this.leaf !== null && this.index >= this.leaf.values.length) {
      this.leaf = this.leaf.next;
      this.index = 0;
    }
    return this.leaf?.values[this.index++];
  }
}

export class IdTree<V extends Keyed> {
  private root: TreeNode<V> = new Leaf<V>();
  private count = 0;
  /** The branches and child indexes the last descent went through, reused by every operation. */
  private readonly pathNodes: Branch<V>[] = [];
  private readonly pathIndexes: number[] = [];
  private depth = 0;
  /**
   * The leaf of the last full descent, which pathNodes and pathIndexes lead
   * to; null after a split or merge. A key between its first and last keys
   * (or past them at the tree's end) can only be in it, so operations on
   * neighbouring IDs (a claim's, an ack's, a read's appends) skip the descent.
   */
  private finger: Leaf<V> | null = null;
  /**
   * The last leaf and branch removed, kept for the next split: a PEL that
   * entries pass through (delivered, then acknowledged) would otherwise
   * allocate nodes, and their off-heap key buffers, as it grows and shrinks.
   */
  private spareLeaf: Leaf<V> | null = null;
  private spareBranch: Branch<V> | null = null;

  get size(): number {
    return this.count;
  }

  get(id: StreamId): V | undefined {
    splitId(id);
    const k0 = ID_WORDS[0]!;
    const k1 = ID_WORDS[1]!;
    const k2 = ID_WORDS[2]!;
    const k3 = ID_WORDS[3]!;
    const leaf = this.descend(k0, k1, k2, k3);
    const i = leafLowerBound(leaf, k0, k1, k2, k3);
    return i < leaf.values.length && compareAt(leaf.keys, i * 4, k0, k1, k2, k3) === 0 ? leaf.values[i] : undefined;
  }

  has(id: StreamId): boolean {
    return this.get(id) !== undefined;
  }

  /** Adds `value` under its ID, replacing the value there. */
  set(value: V): void {
    this.put(value, true);
  }

  /** Adds `value` under its ID unless one is there: answers that one (unchanged), or undefined when `value` went in. */
  insert(value: V): V | undefined {
    return this.put(value, false);
  }

  private put(value: V, replace: boolean): V | undefined {
    splitId(value.id);
    const k0 = ID_WORDS[0]!;
    const k1 = ID_WORDS[1]!;
    const k2 = ID_WORDS[2]!;
    const k3 = ID_WORDS[3]!;
    const leaf = this.descend(k0, k1, k2, k3);
    const size = leaf.values.length;
    const i = leafLowerBound(leaf, k0, k1, k2, k3);
    if (i < size && compareAt(leaf.keys, i * 4, k0, k1, k2, k3) === 0) {
      const current = leaf.values[i]!;
      if (replace) leaf.values[i] = value;
      return current;
    }
    leaf.keys.copyWithin((i + 1) * 4, i * 4, size * 4);
    leaf.keys[i * 4] = k0;
    leaf.keys[i * 4 + 1] = k1;
    leaf.keys[i * 4 + 2] = k2;
    leaf.keys[i * 4 + 3] = k3;
    insertAt(leaf.values, i, value);
    this.count++;
    if (leaf.values.length > CAPACITY) this.splitUp(leaf, i === size);
    return undefined;
  }

  /** Removes the value under `id` and answers it; undefined when there was none. */
  delete(id: StreamId): V | undefined {
    splitId(id);
    const k0 = ID_WORDS[0]!;
    const k1 = ID_WORDS[1]!;
    const k2 = ID_WORDS[2]!;
    const k3 = ID_WORDS[3]!;
    const leaf = this.descend(k0, k1, k2, k3);
    const size = leaf.values.length;
    const i = leafLowerBound(leaf, k0, k1, k2, k3);
    if (i === size || compareAt(leaf.keys, i * 4, k0, k1, k2, k3) !== 0) return undefined;
    const removed = leaf.values[i]!;
    leaf.keys.copyWithin(i * 4, (i + 1) * 4, size * 4);
    removeAt(leaf.values, i);
    this.count--;
    if (leaf.values.length < MIN_FILL) this.rebalanceUp(leaf);
    return removed;
  }

  /** A cursor at the first value whose ID is >= `id`. */
  cursor(id: StreamId): IdTreeCursor<V> {
    splitId(id);
    const k0 = ID_WORDS[0]!;
    const k1 = ID_WORDS[1]!;
    const k2 = ID_WORDS[2]!;
    const k3 = ID_WORDS[3]!;
    const leaf = this.descend(k0, k1, k2, k3);
    return new IdTreeCursor(leaf, leafLowerBound(leaf, k0, k1, k2, k3));
  }

  minKey(): StreamId | undefined {
    let node = this.root;
    while (!node.isLeaf) node = node.children[0]!;
    return node.values[0]?.id;
  }

  maxKey(): StreamId | undefined {
    let node = this.root;
    while (!node.isLeaf) node = node.children[node.children.length - 1]!;
    return node.values[node.values.length - 1]?.id;
  }

  /** Every value, ascending by ID. */
  *values(): IterableIterator<V> {
    const cursor = this.cursor(0n);
    for (let value = cursor.next(); value !== undefined; value = cursor.next()) yield value;
  }

  *keys(): IterableIterator<StreamId> {
    for (const value of this.values()) yield value.id;
  }

  private descend(k0: number, k1: number, k2: number, k3: number): Leaf<V> {
    const finger = this.finger;
    if (finger !== null) {
      const size = finger.values.length;
      // Past the last leaf's end or before the first leaf's start is still in that leaf (appends, mostly).
      if (
        size > 0 &&
        (finger.prev === null || compareAt(finger.keys, 0, k0, k1, k2, k3) <= 0) &&
        (finger.next === null || compareAt(finger.keys, (size - 1) * 4, k0, k1, k2, k3) >= 0)
      ) {
        return finger;
      }
    }
    let node = this.root;
    let depth = 0;
    while (!node.isLeaf) {
      const i = childIndex(node, k0, k1, k2, k3);
      this.pathNodes[depth] = node;
      this.pathIndexes[depth] = i;
      depth++;
      node = node.children[i]!;
    }
    this.depth = depth;
    this.finger = node;
    return node;
  }

  /**
   * Splits an overfull node (one item over CAPACITY) of the last descent, and
   * its parents as they overflow in turn. After an insert at the end, the new
   * node takes only the last item, so that IDs added in order fill nodes.
   */
  private splitUp(full: TreeNode<V>, appended: boolean): void {
    this.finger = null;
    let node = full;
    for (let level = this.depth; ; level--) {
      const size = node.size;
      const from = appended ? size - 1 : size >> 1;
      let right: TreeNode<V>;
      if (node.isLeaf) {
        const leaf = this.newLeaf();
        leaf.values = node.values.splice(from);
        leaf.next = node.next;
        leaf.prev = node;
        if (node.next !== null) node.next.prev = leaf;
        node.next = leaf;
        right = leaf;
      } else {
        const branch = this.newBranch();
        branch.children = node.children.splice(from);
        right = branch;
      }
      // A branch's slot 0 then holds the separator of its first child: the one the parent needs.
      right.keys.set(node.keys.subarray(from * 4, size * 4));
      if (level === 0) {
        const root = this.newBranch();
        root.children.push(node, right);
        root.keys.set(right.keys.subarray(0, 4), 4);
        this.root = root;
        return;
      }
      const parent = this.pathNodes[level - 1]!;
      const at = this.pathIndexes[level - 1]! + 1;
      const parentSize = parent.children.length;
      parent.keys.copyWithin((at + 1) * 4, at * 4, parentSize * 4);
      parent.keys.set(right.keys.subarray(0, 4), at * 4);
      parent.children.splice(at, 0, right);
      if (parent.children.length <= CAPACITY) return;
      appended = at === parentSize;
      node = parent;
    }
  }

  /** Merges or removes an underfull node of the last descent, and its parents as they fall below MIN_FILL in turn. */
  private rebalanceUp(underfull: TreeNode<V>): void {
    this.finger = null;
    let node = underfull;
    for (let level = this.depth; level > 0 && node.size < MIN_FILL; level--) {
      const parent = this.pathNodes[level - 1]!;
      const at = this.pathIndexes[level - 1]!;
      if (node.size === 0) {
        this.recycle(removeChild(parent, at));
      } else if (at > 0 && parent.children[at - 1]!.size + node.size <= CAPACITY) {
        this.recycle(mergeInto(parent, at - 1));
      } else if (at + 1 < parent.children.length && parent.children[at + 1]!.size + node.size <= CAPACITY) {
        this.recycle(mergeInto(parent, at));
      } else {
        return;
      }
      node = parent;
    }
    let root = this.root;
    while (!root.isLeaf && root.children.length <= 1) {
      const only = root.children[0] ?? this.newLeaf();
      this.recycle(root);
      root = only;
    }
    this.root = root;
  }

  private newLeaf(): Leaf<V> {
    const leaf = this.spareLeaf ?? new Leaf<V>();
    this.spareLeaf = null;
    return leaf;
  }

  private newBranch(): Branch<V> {
    const branch = this.spareBranch ?? new Branch<V>();
    this.spareBranch = null;
    return branch;
  }

  /** Keeps a node no longer in the tree for reuse; its keys are overwritten before they are read again. */
  private recycle(node: TreeNode<V>): void {
    if (node.isLeaf) {
      node.values = [];
      node.prev = node.next = null;
      this.spareLeaf = node;
    } else {
      node.children = [];
      this.spareBranch = node;
    }
  }
}

/** Removes children[at] of `parent` (with its separator), unlinking it when it is a leaf; answers it. */
function removeChild<V extends Keyed>(parent: Branch<V>, at: number): TreeNode<V> {
  const child = parent.children[at]!;
  if (child.isLeaf) {
    if (child.prev !== null) child.prev.next = child.next;
    if (child.next !== null) child.next.prev = child.prev;
  }
  parent.keys.copyWithin(at * 4, (at + 1) * 4, parent.children.length * 4);
  parent.children.splice(at, 1);
  return child;
}

/** Moves every item of children[at + 1] to the end of children[at], then removes that child and answers it. */
function mergeInto<V extends Keyed>(parent: Branch<V>, at: number): TreeNode<V> {
  const left = parent.children[at]!;
  const right = parent.children[at + 1]!;
  const leftSize = left.size;
  const rightSize = right.size;
  left.keys.set(right.keys.subarray(0, rightSize * 4), leftSize * 4);
  if (left.isLeaf) {
    for (const value of (right as Leaf<V>).values) left.values.push(value);
  } else {
    // The right branch's first child had its separator in the parent, not in the right branch.
    left.keys.set(parent.keys.subarray((at + 1) * 4, (at + 2) * 4), leftSize * 4);
    for (const child of (right as Branch<V>).children) left.children.push(child);
  }
  return removeChild(parent, at + 1);
}

/** values.splice(at, 0, value) without the array of removed items splice allocates. */
function insertAt<T>(values: T[], at: number, value: T): void {
  for (let i = values.length; i > at; i--) values[i] = values[i - 1]!;
  values[at] = value;
}

/** values.splice(at, 1) without the array of removed items splice allocates. */
function removeAt<T>(values: T[], at: number): void {
  const last = values.length - 1;
  for (let i = at; i < last; i++) values[i] = values[i + 1]!;
  values.pop();
}
