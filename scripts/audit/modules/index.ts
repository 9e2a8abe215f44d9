import { PERMISSIONS, type ManagedContractName } from "../../lib/permissions";
import type { AuditModule } from "../types";
import { AccessModule } from "./access";
import { AnchorsModule } from "./anchors";
import { CarbonModule } from "./carbon";
import { DataAssetsModule } from "./data-assets";
import { ExchangeModule } from "./exchange";
import { MarketModule } from "./market";
import { ParticipantsModule } from "./participants";
import { RelaysModule } from "./relays";
import { SettlementModule } from "./settlement";

/**
 * Contracts governed by the city's AccessManager (they emit AuthorityUpdated and answer `authority()`): every contract
 * of the permission table, so a contract added there is audited here without a second list to keep in step.
 */
export const MANAGED_CONTRACTS = Object.keys(PERMISSIONS) as ManagedContractName[];

/**
 * The audit's modules in replay order: participants first, since the others ask it who was active when; carbon before
 * market, whose escrow check reads the carbon module's balances.
 */
export function createModules(): AuditModule[] {
  const participants = new ParticipantsModule();
  const carbon = new CarbonModule(participants);
  return [
    new AccessModule(MANAGED_CONTRACTS),
    participants,
    new DataAssetsModule(participants),
    carbon,
    new SettlementModule(participants),
    new MarketModule(carbon),
    new ExchangeModule(),
    new AnchorsModule(),
    new RelaysModule(),
  ];
}
