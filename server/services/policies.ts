import crypto from "node:crypto";
import type { PoliciesRepository } from "../db/repositories/policies";
import { canonicalJson } from "../util/canonical-json";

/** sha256 of a document's canonical JSON, 0x-prefixed: the terms hash an offer carries on chain. */
export function policyHashOf(document: unknown): { hash: string; canonical: string } {
  const canonical = canonicalJson(document);
  return { hash: `0x${crypto.createHash("sha256").update(canonical).digest("hex")}`, canonical };
}

/** Licence policy documents kept by the gateway, by hash (the chain keeps only the hash). */
export class PolicyStore {
  constructor(private readonly repo: PoliciesRepository) {}

  /** Stores a document and returns its hash. */
  put(document: unknown): string {
    const { hash, canonical } = policyHashOf(document);
    this.repo.put(hash, canonical);
    return hash;
  }

  /** The document stored under `hash`, or null if this gateway never stored it. */
  get(hash: string): unknown {
    const stored = this.repo.get(hash.toLowerCase());
    return stored === undefined ? null : (JSON.parse(stored) as unknown);
  }
}
