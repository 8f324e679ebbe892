import { childBoxes, children, makeBox, makeFullBox, type Box } from './mp4';

/**
 * Rewriting of movie fragments (moof+mdat), for rebuilding live-archive tracks: Smooth-ingested
 * fragments carry their time in a `tfxd` uuid box instead of `tfdt`, and without a decode time
 * the packager would close every gap (a missing fragment) by shifting what follows. Offsets
 * inside the moof are kept right when its size changes.
 */

/** The Smooth `tfxd` box: absolute fragment time and duration, in the track's timescale. */
const TFXD = '6d1d9b0542d544e680e2141daff757b2';

function tfxdTime(buf: Buffer, traf: Box): number | undefined {
  for (const box of children(buf, traf)) {
    if (box.type !== 'uuid' || buf.toString('hex', box.start + 8, box.start + 24) !== TFXD)
      continue;
    const at = box.start + box.headerSize;
    return buf.readUInt8(at) === 1 ? Number(buf.readBigUInt64BE(at + 4)) : buf.readUInt32BE(at + 4);
  }
  return undefined;
}

/**
 * Rebuilds the moof of a fragment with each traf's children edited, adding the size change to
 * every trun data offset (which count from the moof start: the default when tfhd has no base data
 * offset). The mdat and anything after it are kept as they are.
 */
export function editTrafs(
  fragment: Buffer,
  edit: (
    parts: Array<{ type: string; bytes: Buffer }>,
    traf: Box,
  ) => Array<{ type: string; bytes: Buffer }>,
): Buffer {
  const boxes = childBoxes(fragment);
  const moof = boxes.find((b) => b.type === 'moof');
  if (!moof) throw new Error('the fragment has no moof');
  const moofParts: Buffer[] = [];
  for (const box of children(fragment, moof)) {
    const bytes = fragment.subarray(box.start, box.start + box.size);
    if (box.type !== 'traf') {
      moofParts.push(bytes);
      continue;
    }
    const parts = children(fragment, box).map((c) => ({
      type: c.type,
      bytes: fragment.subarray(c.start, c.start + c.size),
    }));
    const tfhd = parts.find((p) => p.type === 'tfhd');
    if (tfhd && tfhd.bytes.readUInt32BE(8) & 0x1)
      throw new Error('fragments with an absolute base data offset cannot be rewritten');
    moofParts.push(makeBox('traf', ...edit(parts, box).map((p) => p.bytes)));
  }
  const newMoof = makeBox('moof', ...moofParts);
  const delta = newMoof.length - moof.size;
  if (delta) fixDataOffsets(newMoof, delta);
  return Buffer.concat([
    fragment.subarray(0, moof.start),
    newMoof,
    fragment.subarray(moof.start + moof.size),
  ]);
}

function fixDataOffsets(moof: Buffer, delta: number): void {
  const root = childBoxes(moof)[0]!;
  for (const traf of children(moof, root).filter((b) => b.type === 'traf')) {
    for (const trun of children(moof, traf).filter((b) => b.type === 'trun')) {
      const at = trun.start + trun.headerSize;
      if (moof.readUInt32BE(at) & 0x1) moof.writeInt32BE(moof.readInt32BE(at + 8) + delta, at + 8);
    }
  }
}

/**
 * Gives every traf of a fragment a `tfdt` (version 1) when it lacks one: the `tfxd` time when the
 * fragment has it, else `fallbackTime` (the `.ismc` start time, in the track's timescale).
 * Returns the fragment unchanged when it already has decode times.
 */
export function ensureDecodeTime(fragment: Buffer, fallbackTime: number): Buffer {
  const moof = childBoxes(fragment).find((b) => b.type === 'moof');
  if (!moof) throw new Error('the fragment has no moof');
  const trafs = children(fragment, moof).filter((b) => b.type === 'traf');
  if (trafs.every((t) => children(fragment, t).some((c) => c.type === 'tfdt'))) return fragment;
  return editTrafs(fragment, (parts, traf) => {
    if (parts.some((p) => p.type === 'tfdt')) return parts;
    const time = tfxdTime(fragment, traf) ?? fallbackTime;
    const value = Buffer.alloc(8);
    value.writeBigUInt64BE(BigInt(time));
    const tfdt = { type: 'tfdt', bytes: makeFullBox('tfdt', 1, 0, value) };
    const at = parts.findIndex((p) => p.type === 'tfhd') + 1;
    return [...parts.slice(0, at), tfdt, ...parts.slice(at)];
  });
}
