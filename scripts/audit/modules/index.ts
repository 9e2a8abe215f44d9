import type { AuditModule } from "../types";
import { AccessModule } from "./access";
import { AnchorsModule } from "./anchors";
import { ParticipantsModule } from "./participants";

/** Contracts governed by the city's AccessManager (they emit AuthorityUpdated and answer `authority()`). */
export const MANAGED_CONTRACTS = ["ParticipantRegistry", "AuditAnchor"] as const;

/** The audit's modules in replay order: participants first, since the others ask it who was active when. */
export function createModules(): AuditModule[] {
  const participants = new ParticipantsModule();
  return [new AccessModule(MANAGED_CONTRACTS), participants, new AnchorsModule()];
}
