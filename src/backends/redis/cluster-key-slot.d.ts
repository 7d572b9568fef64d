/** The CRC16 slot of a key, hash tags honoured (ioredis's own dependency). */
declare module 'cluster-key-slot' {
  export default function calculateSlot(key: string | Buffer): number;
}
