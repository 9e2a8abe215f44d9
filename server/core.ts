import type { Provider, Wallet } from "ethers";
import type { ChainContracts } from "./chain/contracts";
import type { Keystore } from "./chain/key-store";
import { OperationRegistry } from "./chain/tx/operations";
import type { TxSigner } from "./chain/tx/client-signing";
import { TxPipeline } from "./chain/tx/pipeline";
import { TxTracker } from "./chain/tx/tracker";
import type { Config } from "./config";
import type { Db } from "./db/connection";
import { ActionLogRepository } from "./db/repositories/action-log";
import { ApiKeysRepository } from "./db/repositories/api-keys";
import { IdempotencyRepository } from "./db/repositories/idempotency";
import { OrganizationsRepository } from "./db/repositories/organizations";
import { OutboxRepository } from "./db/repositories/outbox";
import { SignedRequestsRepository } from "./db/repositories/signed-requests";
import { SubmissionsRepository } from "./db/repositories/submissions";
import { componentLogger, type Logger } from "./logger";
import { ActionLogService, LogAnchorer } from "./services/action-log";
import type Database from "better-sqlite3";
import { GatewayIndex } from "./indexer/gateway-index";
import { orgStanding } from "./indexer/projections/participants";
import { IndexAccountReader } from "./indexer/readers/accounts";
import { IndexCarbonReader } from "./indexer/readers/carbon";
import { IndexMarketReader } from "./indexer/readers/market";
import { AuditService } from "./services/audit";
import { SubscriptionsRepository } from "./db/repositories/subscriptions";
import { EventFeed } from "./services/events";
import { SubscriptionService } from "./services/subscriptions";
import { WebhookDispatcher } from "./services/webhooks";
import { TokenMetadataService } from "./services/token-metadata";
import { AccountService } from "./services/accounts";
import { ApiKeyService } from "./services/api-keys";
import { CarbonService } from "./services/carbon";
import { DatasetService } from "./services/datasets";
import { MarketApprovals } from "./services/market-approvals";
import { MarketService } from "./services/market";
import { ExchangeService } from "./services/exchange";
import { dataEarningsOf, licencePurchasesOf } from "./indexer/queries";
import { PolicyStore } from "./services/policies";
import { PoliciesRepository } from "./db/repositories/policies";
import { SettlementService } from "./services/settlement";
import { OrgDirectory } from "./services/org-directory";
import { ParticipantService } from "./services/participants";
import { KeySwitchService } from "./services/key-switch";
import { RelayService } from "./services/relay";
import { TransactionService } from "./services/transactions";
import { GovernanceService } from "./services/governance";

/** A readiness probe; the indexer adds one for its lag. */
export interface ReadinessCheck {
  name: string;
  check: () => Promise<{ ok: boolean; details?: unknown }>;
}

export type GatewayConfig = Pick<
  Config,
  | "GAS_PRICE"
  | "GAS_LIMIT_HEADROOM_PERCENT"
  | "TX_GAS_LIMIT"
  | "CONFIRMATIONS"
  | "TX_WAIT_TIMEOUT_MS"
  | "TX_REBROADCAST_MS"
  | "CHAIN_POLL_INTERVAL_MS"
  | "RATE_LIMIT_WINDOW_MS"
  | "RATE_LIMIT_MAX"
  | "BODY_LIMIT"
  | "BATCH_CHUNK_SIZE"
  | "UPLOAD_LIMIT"
  | "TRUST_PROXY"
  | "ANCHOR_INTERVAL_MS"
  | "INDEXER_POLL_INTERVAL_MS"
  | "INDEXER_MAX_LAG"
  | "INDEXER_WRITE_WAIT_MS"
  | "WEBHOOK_TIMEOUT_MS"
  | "WEBHOOK_MAX_BACKOFF_MS"
  | "EVENT_STREAM_HEARTBEAT_MS"
> &
  // Optional so in-process test apps need not set them; the portal's public pages read them.
  Partial<Pick<Config, "PUBLIC_RPC_URL" | "RPC_URL" | "CHAIN_PORT">>;

/** The datasources of the write path: repositories, the pipeline and its tracker. Exists before any deployment. */
export interface TxStack {
  db: Db;
  provider: Provider;
  repos: {
    organizations: OrganizationsRepository;
    apiKeys: ApiKeysRepository;
    submissions: SubmissionsRepository;
    outbox: OutboxRepository;
    idempotency: IdempotencyRepository;
    actionLog: ActionLogRepository;
  };
  operations: OperationRegistry;
  pipeline: TxPipeline;
  tracker: TxTracker;
}

export function createTxStack(options: { db: Db; provider: Provider; log: Logger; config: GatewayConfig }): TxStack {
  const { db, provider, log, config } = options;
  const repos = {
    organizations: new OrganizationsRepository(db),
    apiKeys: new ApiKeysRepository(db),
    submissions: new SubmissionsRepository(db),
    outbox: new OutboxRepository(db),
    idempotency: new IdempotencyRepository(db),
    actionLog: new ActionLogRepository(db),
  };
  const operations = new OperationRegistry();
  const pipeline = new TxPipeline({
    provider,
    db,
    submissions: repos.submissions,
    outbox: repos.outbox,
    idempotency: repos.idempotency,
    actionLog: repos.actionLog,
    log: componentLogger(log, "tx-pipeline"),
    options: {
      gasPrice: config.GAS_PRICE,
      gasLimitHeadroomPercent: config.GAS_LIMIT_HEADROOM_PERCENT,
      // A generous limit costs nothing only at gas price 0 (a priced network charges the sender's balance for it).
      fixedGasLimit: config.GAS_PRICE === 0n ? BigInt(config.TX_GAS_LIMIT) : 0n,
    },
  });
  const tracker = new TxTracker({
    provider,
    submissions: repos.submissions,
    outbox: repos.outbox,
    operations,
    pipeline,
    log: componentLogger(log, "tx-tracker"),
    options: {
      confirmations: config.CONFIRMATIONS,
      rebroadcastMs: config.TX_REBROADCAST_MS,
      pollIntervalMs: config.CHAIN_POLL_INTERVAL_MS,
    },
  });
  return { db, provider, repos, operations, pipeline, tracker };
}

/** Everything the HTTP layer calls. Routes get this and nothing else. */
export interface GatewayServices {
  log: Logger;
  config: GatewayConfig;
  stack: TxStack;
  contracts: ChainContracts;
  keystore: Keystore;
  /** The city administrator's organisation, and its key only on the embedded node (a production gateway holds none). */
  admin: { orgCode: string; wallet?: Wallet };
  /** The gateway's operational keys: GOVERNOR only (admissions, accounts, suspensions) and ANCHORER only (the log's anchors). */
  operators: Operators;
  apiKeys: ApiKeyService;
  /** Scheduled administrator operations (AccessManager) and the emergency brake. */
  governance: GovernanceService;
  participants: ParticipantService;
  /** A custodial organisation's move to its own key (its custodial key retired). */
  keySwitch: KeySwitchService;
  datasets: DatasetService;
  carbon: CarbonService;
  market: MarketService;
  exchange: ExchangeService;
  settlement: SettlementService;
  accounts: AccountService;
  transactions: TransactionService;
  /** Signed requests of own-key participants: prepared for `Prefer: sign=client`, relayed through the Forwarder. */
  relay: RelayService;
  actionLog: ActionLogService;
  anchorer: LogAnchorer;
  /** The event index behind every read; the caller starts it once the deployment exists and stops it before closing its database. */
  index: GatewayIndex;
  audit: AuditService;
  /** The event feed (pull and Server-Sent Events) and its webhook subscriptions. */
  events: EventFeed;
  subscriptions: SubscriptionService;
  /** Delivers webhooks; the caller starts it with the index and stops it before closing the databases. */
  webhooks: WebhookDispatcher;
  eventStreamTiming: { heartbeatMs: number; pollMs: number };
  tokenMetadata: TokenMetadataService;
  readiness: ReadinessCheck[];
}

/** The gateway's operational keys (DATA_DIR/keystore/CITY-OPERATOR and CITY-OPERATOR.ANCHOR), accounts of the OPERATOR organisation. */
export interface Operators {
  governor: { orgCode: string; wallet: TxSigner };
  anchorer: { orgCode: string; wallet: TxSigner };
}

export function createServices(options: {
  stack: TxStack;
  contracts: ChainContracts;
  keystore: Keystore;
  admin: { orgCode: string; wallet?: Wallet };
  operators: Operators;
  log: Logger;
  config: GatewayConfig;
  /** The index database (DATA_DIR/index.db): a rebuildable cache of the chain's events. */
  indexDb: Database.Database;
}): GatewayServices {
  const { stack, contracts, keystore, admin, operators, log, config } = options;
  const { repos } = stack;
  const signedRequests = new SignedRequestsRepository(stack.db);
  const participants = new ParticipantService(repos.organizations, keystore, contracts, stack.pipeline, admin, stack.operations, signedRequests, operators.governor);
  const governance = new GovernanceService(contracts, stack.provider, stack.pipeline, participants, stack.operations);
  participants.scheduleGrants = (orgCode, grants) => governance.scheduleGrants(orgCode, grants);
  const directory = new OrgDirectory(repos.organizations, contracts.participants);
  const actionLogRepo = repos.actionLog;
  const { provider } = stack;
  const index = new GatewayIndex(options.indexDb, provider, contracts.record, componentLogger(log, "indexer"), {
    pollIntervalMs: config.INDEXER_POLL_INTERVAL_MS,
    maxLag: config.INDEXER_MAX_LAG,
    writeWaitMs: config.INDEXER_WRITE_WAIT_MS,
  });
  // The tracker saw blocks with transactions in them: index them now rather than at the next poll.
  stack.pipeline.events.on("blocks", () => index.indexer.poke());
  // Every read comes from the index's projections; the node is asked only for views the index does not keep.
  const carbonReader = new IndexCarbonReader(index.db, contracts.carbon);
  const marketReader = new IndexMarketReader(index.db, provider, contracts.market);
  const accountReader = new IndexAccountReader(index.db, contracts.settlement);
  const carbon = new CarbonService(contracts, stack.pipeline, participants, directory, carbonReader, stack.operations);
  const approvals = new MarketApprovals(contracts, stack.pipeline, stack.operations);
  const market = new MarketService(contracts, stack.pipeline, participants, directory, approvals, marketReader, stack.operations);
  const events = new EventFeed(index.db, directory, provider);
  const subscriptionsRepo = new SubscriptionsRepository(stack.db, keystore.secretBox("webhook-secrets"));
  const webhooks = new WebhookDispatcher(subscriptionsRepo, repos.apiKeys, events, componentLogger(log, "webhooks"), {
    timeoutMs: config.WEBHOOK_TIMEOUT_MS,
    minBackoffMs: Math.min(1_000, config.WEBHOOK_MAX_BACKOFF_MS),
    maxBackoffMs: config.WEBHOOK_MAX_BACKOFF_MS,
    batchSize: 100,
    pollMs: config.INDEXER_POLL_INTERVAL_MS,
  });
  const services: GatewayServices = {
    log,
    config,
    stack,
    contracts,
    keystore,
    admin,
    operators,
    governance,
    apiKeys: new ApiKeyService(repos.apiKeys, repos.organizations, (orgId) => orgStanding(index.db, orgId)),
    participants,
    datasets: new DatasetService(contracts, stack.provider, stack.pipeline, participants, directory, config.BATCH_CHUNK_SIZE, stack.operations, index),
    carbon,
    market,
    exchange: new ExchangeService(
      contracts,
      stack.pipeline,
      participants,
      directory,
      new PolicyStore(new PoliciesRepository(stack.db)),
      index,
      provider as unknown as ConstructorParameters<typeof ExchangeService>[6],
      stack.operations,
    ),
    settlement: new SettlementService(contracts, stack.pipeline, participants, directory, stack.operations),
    accounts: new AccountService(contracts, directory, accountReader, carbonReader, marketReader, carbon, {
      licencesBought: (orgId) => licencePurchasesOf(index.db, orgId),
      earned: (accounts) => dataEarningsOf(index.db, accounts),
    }),
    keySwitch: new KeySwitchService(
      { participants, organizations: repos.organizations, keystore, contracts, pipeline: stack.pipeline, admin: { orgCode: admin.orgCode, wallet: operators.governor.wallet }, accounts: accountReader, carbon: carbonReader, market: marketReader, indexReach: (block, ms) => index.reach(block, ms) },
      stack.operations,
    ),
    transactions: new TransactionService(repos.submissions, repos.outbox),
    relay: new RelayService(
      {
        contracts,
        provider: stack.provider,
        pipeline: stack.pipeline,
        keystore,
        participants,
        directory,
        repo: signedRequests,
        gasLimitHeadroomPercent: config.GAS_LIMIT_HEADROOM_PERCENT,
      },
      stack.operations,
    ),
    actionLog: new ActionLogService(actionLogRepo),
    anchorer: new LogAnchorer({
      repo: actionLogRepo,
      submissions: repos.submissions,
      pipeline: stack.pipeline,
      contracts,
      signer: operators.anchorer,
      log: componentLogger(log, "anchorer"),
    }),
    index,
    audit: new AuditService(index, directory),
    events,
    subscriptions: new SubscriptionService(subscriptionsRepo, events, index.db, directory, webhooks, admin.orgCode),
    webhooks,
    eventStreamTiming: { heartbeatMs: config.EVENT_STREAM_HEARTBEAT_MS, pollMs: config.INDEXER_POLL_INTERVAL_MS },
    tokenMetadata: new TokenMetadataService(index.db, directory),
    readiness: [],
  };
  services.readiness.push({
    name: "chain",
    check: async () => {
      const started = Date.now();
      const block = await withTimeout(stack.provider.getBlockNumber(), 3_000);
      return { ok: true, details: { blockNumber: block, latencyMs: Date.now() - started, trackerSeesChain: stack.tracker.chainReachable } };
    },
  });
  services.readiness.push({ name: "indexer", check: () => index.readiness() });
  return services;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}
