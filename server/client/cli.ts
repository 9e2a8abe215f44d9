import fs from "node:fs";
import readline from "node:readline";
import { parseArgs } from "node:util";
import { Wallet, getAddress } from "ethers";
import { useNativeScrypt, writeFileAtomic } from "../chain/key-store";
import { CalApiError, CalClient, type ApiAnswer, type WriteOptions } from "./sdk";

/**
 * `npx cal …`: the participant's side of the ledger. Keys live in encrypted JSON keystore files on the participant's
 * machine; every write is prepared by the gateway, signed here and relayed (see sdk.ts). Configuration: --url or
 * CAL_URL, --api-key or CAL_API_KEY, --key or CAL_KEY, the key file's password in CAL_KEY_PASSWORD or asked for.
 */

const USAGE = `usage: cal <command> [options]

keys and accounts
  key create --out FILE                     new encrypted key file (ethers JSON keystore); prints its address
  key address --key FILE                    the address of a key file
  network                                   chain id, contracts, Forwarder domain (public)
  participants register --code C --name N --kind K [--role R]... [--account 0x…]... [--key FILE as the account]
                                            admit an organisation (administrator's API key); with accounts it keeps its own keys
  participants show ORG
  accounts add --org ORG --key FILE [--scheme eip712|eip191]
                                            add the key's account to ORG, proven by its signature
  api-keys create --org ORG                 a new API key for ORG (administrator); shown once

carbon and market (signed with --key when given, else by the gateway for a custodial organisation)
  carbon transfer --batch ID --to ORG --amount N
  carbon retire --batch ID --amount N --beneficiary NAME [--beneficiary-org ORG] --reason TEXT --start DATE --end DATE
  carbon batch ID | carbon retirement ID
  market list --batch ID --amount N --price VND [--min-fill N] [--expires ISO] [--buyer ORG]
  market fill --listing ID --amount N --max-cost VND [--retire --beneficiary NAME [--beneficiary-org ORG] --reason TEXT --start DATE --end DATE]
  market cancel --listing ID
  market listing ID | market listings [--seller ORG] [--batch ID] [--status S] | market trades [--listing ID]

data exchange (usage licences for VND)
  exchange offer --dataset ID --price VND (--term-days N | --licence-end ISO) --policy FILE|JSON [--allowed ORG]...
                 [--max-licences N] [--expires ISO]
  exchange purchase --offer ID --max-price VND   pays the holder and grants (or extends) the licence in one transaction
  exchange cancel --offer ID
  exchange show ID | exchange offers [--dataset ID] [--holder ORG] [--open true|false]

  balances ORG                              credits, VND, licences bought and VND earned from data
  tx ID                                     a transaction of the gateway
  write METHOD PATH [--body JSON]           any write of the API (signed with --key)
  get PATH                                  any read of the API

options
  --url URL (CAL_URL, default http://127.0.0.1:8080)   --api-key KEY (CAL_API_KEY)   --key FILE (CAL_KEY)
  --json (print the answer as JSON)   --async (Prefer: respond-async)   --idempotency-key K`;

const OPTIONS = {
  url: { type: "string" },
  "api-key": { type: "string" },
  key: { type: "string" },
  json: { type: "boolean" },
  async: { type: "boolean" },
  "idempotency-key": { type: "string" },
  out: { type: "string" },
  code: { type: "string" },
  name: { type: "string" },
  kind: { type: "string" },
  role: { type: "string", multiple: true },
  account: { type: "string", multiple: true },
  org: { type: "string" },
  scheme: { type: "string" },
  batch: { type: "string" },
  to: { type: "string" },
  amount: { type: "string" },
  beneficiary: { type: "string" },
  "beneficiary-org": { type: "string" },
  reason: { type: "string" },
  start: { type: "string" },
  end: { type: "string" },
  price: { type: "string" },
  "min-fill": { type: "string" },
  expires: { type: "string" },
  buyer: { type: "string" },
  listing: { type: "string" },
  "max-cost": { type: "string" },
  retire: { type: "boolean" },
  seller: { type: "string" },
  status: { type: "string" },
  body: { type: "string" },
  dataset: { type: "string" },
  "term-days": { type: "string" },
  "licence-end": { type: "string" },
  policy: { type: "string" },
  allowed: { type: "string", multiple: true },
  "max-licences": { type: "string" },
  offer: { type: "string" },
  "max-price": { type: "string" },
  holder: { type: "string" },
  open: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>["values"];

class UsageError extends Error {}

const need = (values: Values, name: keyof Values): string => {
  const v = values[name];
  if (typeof v !== "string" || v === "") throw new UsageError(`--${name} is required`);
  return v;
};

export async function main(argv: string[], out: (line: string) => void = (l) => process.stdout.write(l + "\n")): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    out(`${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help || positionals.length === 0) {
    out(USAGE);
    return positionals.length === 0 && !values.help ? 2 : 0;
  }
  try {
    return await run(values, positionals, out);
  } catch (err) {
    if (err instanceof UsageError) {
      out(`${err.message}\n\n${USAGE}`);
      return 2;
    }
    if (err instanceof CalApiError) {
      out(values.json ? JSON.stringify({ error: { code: err.code, message: err.message, details: err.details } }) : `error: ${err.message}`);
      return 1;
    }
    out(`error: ${(err as Error).message}`);
    return 1;
  }
}

async function run(values: Values, positionals: string[], out: (line: string) => void): Promise<number> {
  const [group, action, ...rest] = positionals;
  const command = `${group} ${action ?? ""}`.trim();
  const keyFile = values.key ?? process.env.CAL_KEY;

  if (command === "key create") {
    const file = need(values, "out");
    if (fs.existsSync(file)) throw new Error(`${file} exists; not overwritten`);
    useNativeScrypt();
    const wallet = Wallet.createRandom();
    writeFileAtomic(file, await wallet.encrypt(await password(`Password for the new key file ${file}: `)), 0o600);
    print(out, values, { address: wallet.address, file }, `created ${file}\naddress ${wallet.address}`);
    return 0;
  }
  if (command === "key address") {
    const address = addressOfKeyFile(need(values, "key"));
    print(out, values, { address }, address);
    return 0;
  }

  // Only writes decrypt the key file: reads, and naming an account at admission, need no password.
  const signer = keyFile && !UNSIGNED.has(command) && group !== "get" && group !== "balances" && group !== "tx" ? await openKey(keyFile) : undefined;
  const client = new CalClient({ baseUrl: values.url ?? process.env.CAL_URL ?? "http://127.0.0.1:8080", apiKey: values["api-key"] ?? process.env.CAL_API_KEY, signer });
  const options: WriteOptions = { async: values.async, idempotencyKey: values["idempotency-key"] };
  const write = async (answer: Promise<ApiAnswer<unknown>>) => {
    const a = await answer;
    const body = a.body as { result?: unknown; transaction?: { id: string; hash: string | null; blockNumber: number | null; status: string } };
    const tx = body.transaction;
    const summary =
      a.status === 202
        ? `accepted (${tx?.id}); follow it with: cal tx ${tx?.id}`
        : `${tx?.status ?? "done"} in block ${tx?.blockNumber} (tx ${tx?.hash})\n${JSON.stringify(body.result, null, 2)}`;
    print(out, values, a.body, summary);
    return 0;
  };
  const read = async (body: Promise<unknown>) => {
    const b = await body;
    print(out, values, b, JSON.stringify(b, null, 2));
    return 0;
  };
  const claim = () => ({
    beneficiary: { name: need(values, "beneficiary"), ...(values["beneficiary-org"] ? { organization: values["beneficiary-org"] } : {}) },
    reason: need(values, "reason"),
    consumptionPeriod: { start: need(values, "start"), end: need(values, "end") },
  });

  switch (group === "write" || group === "get" ? group : command) {
    case "network":
      return read(client.network());
    case "participants register": {
      const accounts = [...(values.account ?? []), ...(keyFile ? [addressOfKeyFile(keyFile)] : [])];
      // The administrator's own (custodial) key signs the admission; the business's key only names its account.
      const admin = new CalClient({ baseUrl: values.url ?? process.env.CAL_URL ?? "http://127.0.0.1:8080", apiKey: values["api-key"] ?? process.env.CAL_API_KEY });
      return write(
        admin.participants.register(
          { code: need(values, "code"), name: need(values, "name"), kind: need(values, "kind"), roles: values.role ?? [], ...(accounts.length ? { accounts } : {}) },
          options,
        ),
      );
    }
    case "participants show":
      return read(client.participants.get(rest[0] ?? need(values, "org")));
    case "accounts add":
      if (!signer) throw new UsageError("--key is required");
      return write(client.participants.addOwnAccount(need(values, "org"), values.scheme === "eip191" ? "eip191" : "eip712", options));
    case "api-keys create":
      return read(client.call("POST", "/v1/api-keys", { organization: need(values, "org") }).then((a) => a.body));
    case "carbon transfer":
      return write(client.carbon.transfer({ batchId: need(values, "batch"), to: need(values, "to"), amount: need(values, "amount") }, options));
    case "carbon retire":
      return write(client.carbon.retire({ batchId: need(values, "batch"), amount: need(values, "amount"), ...claim() }, options));
    case "carbon batch":
      return read(client.carbon.batch(positional(rest, "batch id")));
    case "carbon retirement":
      return read(client.carbon.retirement(positional(rest, "retirement id")));
    case "market list":
      return write(
        client.market.list(
          {
            batchId: need(values, "batch"),
            amount: need(values, "amount"),
            unitPrice: need(values, "price"),
            ...(values["min-fill"] ? { minFill: values["min-fill"] } : {}),
            ...(values.expires ? { expiresAt: values.expires } : {}),
            ...(values.buyer ? { buyer: values.buyer } : {}),
          },
          options,
        ),
      );
    case "market fill":
      return write(
        client.market.fill(need(values, "listing"), { amount: need(values, "amount"), maxCost: need(values, "max-cost"), ...(values.retire ? { retire: claim() } : {}) }, options),
      );
    case "market cancel":
      return write(client.market.cancel(need(values, "listing"), options));
    case "market listing":
      return read(client.market.listing(positional(rest, "listing id")));
    case "market listings":
      return read(client.market.listings({ seller: values.seller ?? "", batchId: values.batch ?? "", status: values.status ?? "" }));
    case "market trades":
      return read(client.market.trades({ listingId: values.listing ?? "" }));
    case "exchange offer":
      return write(
        client.exchange.create(
          need(values, "dataset"),
          {
            priceVnd: need(values, "price"),
            ...(values["term-days"] ? { termDays: wholeNumber(values["term-days"], "term-days") } : {}),
            ...(values["licence-end"] ? { licenceEndsAt: values["licence-end"] } : {}),
            policy: policyDocument(need(values, "policy")),
            ...(values.allowed?.length ? { allowed: values.allowed } : {}),
            ...(values["max-licences"] ? { maxLicences: wholeNumber(values["max-licences"], "max-licences") } : {}),
            ...(values.expires ? { expiresAt: values.expires } : {}),
          },
          options,
        ),
      );
    case "exchange purchase":
      return write(client.exchange.purchase(need(values, "offer"), { maxPrice: need(values, "max-price") }, options));
    case "exchange cancel":
      return write(client.exchange.cancel(need(values, "offer"), options));
    case "exchange show":
      return read(client.exchange.offer(positional(rest, "offer id")));
    case "exchange offers":
      return read(client.exchange.offers({ dataset: values.dataset, holder: values.holder, open: values.open }));
    case "write": {
      const [method, path] = [action?.toUpperCase(), rest[0]];
      if ((method !== "POST" && method !== "DELETE") || !path) throw new UsageError("write METHOD PATH: METHOD is POST or DELETE");
      return write(client.write(method, path, values.body ? (JSON.parse(values.body) as unknown) : undefined, options));
    }
    case "get":
      if (!action) throw new UsageError("get PATH");
      return read(client.get(action));
    default:
      if (group === "balances") return read(client.accounts.balances(action ?? need(values, "org")));
      if (group === "tx") return read(client.transaction(positional([action ?? ""], "transaction id")));
      throw new UsageError(`unknown command: ${command}`);
  }
}

/** Commands that never sign with the participant's key. */
const UNSIGNED = new Set([
  "network",
  "participants register",
  "participants show",
  "api-keys create",
  "carbon batch",
  "carbon retirement",
  "market listing",
  "market listings",
  "market trades",
  "exchange show",
  "exchange offers",
]);

/** A policy document: inline JSON (starting with `{`) or the path of a JSON file. */
const policyDocument = (value: string): unknown => JSON.parse(value.trimStart().startsWith("{") ? value : fs.readFileSync(value, "utf8"));

const wholeNumber = (value: string, name: string): number => {
  if (!/^\d+$/.test(value)) throw new UsageError(`--${name} must be a whole number`);
  return Number(value);
};

/** The address a keystore file declares (no password needed; the signature made with it proves it). */
const addressOfKeyFile = (file: string): string =>
  getAddress(`0x${(JSON.parse(fs.readFileSync(file, "utf8")) as { address: string }).address.replace(/^0x/, "")}`);

const positional = (rest: string[], what: string): string => {
  if (!rest[0]) throw new UsageError(`the ${what} is required`);
  return rest[0];
};

function print(out: (line: string) => void, values: Values, json: unknown, text: string): void {
  out(values.json ? JSON.stringify(json) : text);
}

async function openKey(file: string): Promise<Wallet> {
  useNativeScrypt();
  const json = fs.readFileSync(file, "utf8");
  const wallet = await Wallet.fromEncryptedJson(json, await password(`Password of ${file}: `));
  return new Wallet(wallet.privateKey);
}

/** The key file's password: CAL_KEY_PASSWORD, or asked on the terminal without echo. */
async function password(prompt: string): Promise<string> {
  const fromEnv = process.env.CAL_KEY_PASSWORD;
  if (fromEnv !== undefined) return fromEnv;
  if (!process.stdin.isTTY) throw new Error("set CAL_KEY_PASSWORD (no terminal to ask for the key file's password)");
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  const muted = rl as unknown as { _writeToOutput: (s: string) => void; output: NodeJS.WriteStream };
  process.stderr.write(prompt);
  muted._writeToOutput = () => undefined;
  const answer = await new Promise<string>((resolve) => rl.question("", resolve));
  rl.close();
  process.stderr.write("\n");
  return answer;
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
