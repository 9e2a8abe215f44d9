import type { Interface, TransactionReceipt } from "ethers";

/**
 * The arguments of every `name` event that `address` emitted in these receipts, in order. Result decoders use it to
 * read what only the mined transaction knows (a new batch id, a certificate's serial range, a listing id).
 */
export function eventsIn(receipts: TransactionReceipt[], iface: Interface, address: string, name: string): Record<string, unknown>[] {
  const fragment = iface.getEvent(name);
  if (!fragment) throw new Error(`No event ${name} in this ABI`);
  const found: Record<string, unknown>[] = [];
  for (const receipt of receipts) {
    for (const log of receipt.logs) {
      if (log.address.toLowerCase() !== address.toLowerCase() || log.topics[0] !== fragment.topicHash) continue;
      // The fragment is already known: decoding with it skips parseLog's search over every event signature.
      const values = iface.decodeEventLog(fragment, log.data, log.topics);
      const args: Record<string, unknown> = {};
      fragment.inputs.forEach((input, i) => {
        args[input.name] = values[i];
      });
      found.push(args);
    }
  }
  return found;
}

/** The one `name` event of the receipts; a mined submission of that operation always has it. */
export function eventIn(receipts: TransactionReceipt[], iface: Interface, address: string, name: string): Record<string, unknown> {
  const [first] = eventsIn(receipts, iface, address, name);
  if (!first) throw new Error(`The receipts have no ${name} event`);
  return first;
}
