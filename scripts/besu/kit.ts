/**
 * A Hyperledger Besu QBFT network for N city bodies, as files: genesis (QBFT, 2 s blocks, zero base fee, Cancun,
 * 30M+ gas), one validator key per body, the node allowlist every node enforces (Besu's local permissioning file:
 * on-chain permissioning is deprecated), a Compose file, and the gateway's production settings. Pure functions of
 * their inputs (keys are passed in), so the tests check the files without running Besu.
 */
import { SigningKey, Wallet, computeAddress, encodeRlp, toBeHex, zeroPadValue } from "ethers";

export interface KitOptions {
  /** Codes of the city bodies running a validator (at least 4 for QBFT to tolerate one faulty node). */
  bodies: string[];
  chainId: number;
  blockPeriodSeconds: number;
  gasLimit: bigint;
  besuImage: string;
  /** First address of the Compose network's static IPs (nodes get .10, .11, …). */
  subnetPrefix: string;
  /** Host port of the first node's JSON-RPC (others follow), bound to 127.0.0.1. */
  rpcPort: number;
}

export const DEFAULTS: Omit<KitOptions, "bodies"> = {
  chainId: 1_337_015,
  blockPeriodSeconds: 2,
  gasLimit: 60_000_000n,
  besuImage: "hyperledger/besu:24.12.2",
  subnetPrefix: "172.28.15",
  rpcPort: 8545,
};

const BODY = /^[A-Z0-9][A-Z0-9-]{0,30}$/;
const MIN_GAS_LIMIT = 30_000_000n;

export interface Validator {
  body: string;
  service: string;
  ip: string;
  privateKey: string;
  /** Uncompressed public key without the 0x04 prefix: the node id of its enode URL. */
  nodeId: string;
  address: string;
  enode: string;
  rpcPort: number;
}

export interface Kit {
  validators: Validator[];
  genesis: Record<string, unknown>;
  /** DATA of the files to write, by path relative to the output directory. */
  files: Record<string, string>;
}

export function validateOptions(o: KitOptions): void {
  if (o.bodies.length < 4) throw new Error(`QBFT needs at least 4 validators to survive a faulty one; got ${o.bodies.length}`);
  for (const b of o.bodies) if (!BODY.test(b)) throw new Error(`Invalid body code ${b} (upper-case letters, digits and dashes)`);
  if (new Set(o.bodies).size !== o.bodies.length) throw new Error("Body codes must be unique");
  if (!Number.isInteger(o.chainId) || o.chainId < 1) throw new Error("chainId must be a positive integer");
  if (!Number.isInteger(o.blockPeriodSeconds) || o.blockPeriodSeconds < 1) throw new Error("the block period is a whole number of seconds ≥ 1");
  if (o.gasLimit < MIN_GAS_LIMIT) throw new Error(`the block gas limit must be at least ${MIN_GAS_LIMIT} (a catalogue import packs ~12M gas per transaction)`);
}

/** QBFT's genesis extraData: RLP([32-byte vanity, [validators], no vote, round 0, no seals]). */
export function qbftExtraData(addresses: string[]): string {
  return encodeRlp([zeroPadValue("0x", 32), addresses.map((a) => a.toLowerCase()), [], "0x", []]);
}

export function validatorOf(body: string, index: number, privateKey: string, o: Omit<KitOptions, "bodies">): Validator {
  const key = new SigningKey(privateKey);
  const nodeId = key.publicKey.slice(4); // drop 0x04
  const ip = `${o.subnetPrefix}.${10 + index}`;
  return {
    body,
    service: `besu-${body.toLowerCase()}`,
    ip,
    privateKey: key.privateKey,
    nodeId,
    address: computeAddress(key.publicKey),
    enode: `enode://${nodeId}@${ip}:30303`,
    rpcPort: o.rpcPort + index,
  };
}

export function buildKit(options: KitOptions, privateKeys: string[] = options.bodies.map(() => Wallet.createRandom().privateKey)): Kit {
  validateOptions(options);
  const validators = options.bodies.map((b, i) => validatorOf(b, i, privateKeys[i], options));
  const genesis = {
    config: {
      chainId: options.chainId,
      berlinBlock: 0,
      londonBlock: 0,
      shanghaiTime: 0,
      cancunTime: 0,
      zeroBaseFee: true,
      qbft: { blockperiodseconds: options.blockPeriodSeconds, epochlength: 30_000, requesttimeoutseconds: options.blockPeriodSeconds * 2 },
    },
    nonce: "0x0",
    timestamp: "0x0",
    gasLimit: toBeHex(options.gasLimit),
    difficulty: "0x1",
    baseFeePerGas: "0x0",
    mixHash: "0x63746963616c2062797a616e74696e65206661756c7420746f6c6572616e6365",
    coinbase: "0x0000000000000000000000000000000000000000",
    // No balances: gas is free (zero base fee, min gas price 0), organisation keys hold no ether.
    alloc: {},
    extraData: qbftExtraData(validators.map((v) => v.address)),
  };
  const allowlist = `# Besu local node permissioning: only these nodes may connect (every node loads this file).\nnodes-allowlist=[\n${validators
    .map((v) => `  "${v.enode}"`)
    .join(",\n")}\n]\n`;
  const files: Record<string, string> = {
    "genesis.json": JSON.stringify(genesis, null, 2) + "\n",
    "permissions_config.toml": allowlist,
    "compose.yaml": composeFile(options, validators),
    "gateway.env": gatewayEnv(options, validators),
    "validators.json": JSON.stringify(validators.map(({ privateKey: _secret, ...pub }) => pub), null, 2) + "\n",
  };
  for (const v of validators) {
    files[`nodes/${v.service}/key`] = v.privateKey + "\n";
    files[`nodes/${v.service}/key.pub`] = `0x${v.nodeId}\n`;
  }
  return { validators, genesis, files };
}

/** Compose (JSON is YAML): one validator per body on static IPs, RPC on 127.0.0.1 only. */
function composeFile(o: KitOptions, validators: Validator[]): string {
  const bootnodes = validators.map((v) => v.enode).join(",");
  const services = Object.fromEntries(
    validators.map((v) => [
      v.service,
      {
        image: o.besuImage,
        restart: "unless-stopped",
        command: [
          "--data-path=/opt/besu/data",
          "--genesis-file=/config/genesis.json",
          "--node-private-key-file=/config/key",
          `--p2p-host=${v.ip}`,
          "--p2p-port=30303",
          `--bootnodes=${bootnodes}`,
          "--permissions-nodes-config-file-enabled=true",
          "--permissions-nodes-config-file=/config/permissions_config.toml",
          "--min-gas-price=0",
          "--rpc-http-enabled=true",
          "--rpc-http-host=0.0.0.0",
          "--rpc-http-port=8545",
          "--rpc-http-api=ETH,NET,WEB3,QBFT,TXPOOL",
          "--host-allowlist=*",
          "--sync-mode=FULL",
          "--data-storage-format=FOREST",
        ],
        volumes: [
          "./genesis.json:/config/genesis.json:ro",
          "./permissions_config.toml:/config/permissions_config.toml:ro",
          `./nodes/${v.service}/key:/config/key:ro`,
          `${v.service}-data:/opt/besu/data`,
        ],
        ports: [`127.0.0.1:${v.rpcPort}:8545`],
        networks: { citynet: { ipv4_address: v.ip } },
      },
    ]),
  );
  const compose = {
    name: "city-asset-ledger-besu",
    services,
    volumes: Object.fromEntries(validators.map((v) => [`${v.service}-data`, {}])),
    networks: { citynet: { driver: "bridge", ipam: { config: [{ subnet: `${o.subnetPrefix}.0/24` }] } } },
  };
  return JSON.stringify(compose, null, 2) + "\n";
}

/** The gateway's production settings against this network (secrets left for the operator to fill in). */
function gatewayEnv(o: KitOptions, validators: Validator[]): string {
  const urls = validators.map((v) => `http://127.0.0.1:${v.rpcPort}`);
  return [
    "# City Asset Ledger gateway against the Besu QBFT network of scripts/besu (npm start reads these from the environment).",
    "# Two validators' RPC endpoints; the gateway fails over between them (RPC_URLS) and RPC_URL names the first.",
    `RPC_URL=${urls[0]}`,
    `RPC_URLS=${urls.slice(0, 2).join(",")}`,
    "# Fill in: at least 12 characters, kept out of the repository (e.g. a systemd credential).",
    "KEYSTORE_PASSWORD=",
    "# Fill in: the administrator's API key (32+ random characters). No administrator private key: the gateway holds none;",
    "# the administrators deploy with their own (GATEWAY_ACCOUNTS=<DATA_DIR>/gateway-accounts.json npm run deploy -- --network besu).",
    "ADMIN_API_KEY=",
    "DATA_DIR=/var/lib/city-asset-ledger",
    "HOST=127.0.0.1",
    "PORT=8080",
    "TRUST_PROXY=true",
    "BOOTSTRAP_DEMO=false",
    "GAS_PRICE=0",
    "# QBFT blocks are final at once.",
    "CONFIRMATIONS=1",
    `# A write waits for its block: ${o.blockPeriodSeconds} s blocks.`,
    "CHAIN_POLL_INTERVAL_MS=500",
    "INDEXER_POLL_INTERVAL_MS=1000",
    "TX_WAIT_TIMEOUT_MS=30000",
    `TX_REBROADCAST_MS=${Math.max(10_000, o.blockPeriodSeconds * 5_000)}`,
    "LOG_LEVEL=info",
    "",
  ].join("\n");
}
