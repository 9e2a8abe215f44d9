import type { AuditModule } from "../types";
import { AnchorsModule } from "./anchors";
import { ParticipantsModule } from "./participants";

/** The audit's modules in replay order: participants first, since the others ask it who was active when. */
export function createModules(): AuditModule[] {
  const participants = new ParticipantsModule();
  return [participants, new AnchorsModule()];
}
