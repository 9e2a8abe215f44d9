import {
  AbstractSigner,
  resolveAddress,
  type Provider,
  type TransactionRequest,
  type TransactionResponse,
  type TypedDataDomain,
  type TypedDataField,
  type Wallet,
} from "ethers";
import { ApiError } from "../../errors";
import type { TxPipeline } from "./pipeline";

/**
 * An ethers Signer whose transactions go through the gateway's pipeline (outbox, nonce queue, tracker). The
 * deployment and the bootstrap use it with the administrator's key, so those transactions share the one nonce
 * counter with everything else the administrator signs, and are re-sent like any other if the chain loses them.
 */
export class PipelineSigner extends AbstractSigner {
  constructor(
    private readonly wallet: Wallet,
    private readonly pipeline: TxPipeline,
    private readonly orgCode: string,
    provider: Provider,
    private readonly waitTimeoutMs = 120_000,
  ) {
    super(provider);
  }

  override async getAddress(): Promise<string> {
    return this.wallet.address;
  }

  override connect(provider: Provider | null): PipelineSigner {
    if (!provider) throw new Error("PipelineSigner needs a provider");
    return new PipelineSigner(this.wallet, this.pipeline, this.orgCode, provider, this.waitTimeoutMs);
  }

  override signTransaction(tx: TransactionRequest): Promise<string> {
    return this.wallet.signTransaction(tx);
  }

  override signMessage(message: string | Uint8Array): Promise<string> {
    return this.wallet.signMessage(message);
  }

  override signTypedData(
    domain: TypedDataDomain,
    types: Record<string, TypedDataField[]>,
    value: Record<string, unknown>,
  ): Promise<string> {
    return this.wallet.signTypedData(domain, types, value);
  }

  /** Submits through the pipeline, waits until mined, and returns the mined transaction. */
  override async sendTransaction(tx: TransactionRequest): Promise<TransactionResponse> {
    if (tx.value && BigInt(tx.value) !== 0n) throw new Error("The gateway never sends ether");
    const to = tx.to == null ? null : await resolveAddress(tx.to, this.provider);
    const data = tx.data ?? "0x";
    const { submissionId } = await this.pipeline.submit({
      orgCode: this.orgCode,
      wallet: this.wallet,
      operation: to === null ? "admin.deploy" : "admin.call",
      params: { to, selector: data.slice(0, 10) },
      calls: [{ to, data }],
    });
    const done = await this.pipeline.waitFor(submissionId, this.waitTimeoutMs);
    if (!done) throw new Error(`Transaction ${submissionId} not mined within ${this.waitTimeoutMs} ms`);
    if (done.status !== "mined") {
      const e = done.error!;
      throw new ApiError(e.status, e.code, e.message, e.details);
    }
    const [row] = this.pipeline.outboxRows(submissionId);
    const response = await this.provider!.getTransaction(row.txHash);
    if (!response) throw new Error(`Mined transaction ${row.txHash} not found on chain`);
    return response;
  }
}
