import http from "node:http";
import type { AddressInfo } from "node:net";

export interface Delivery {
  /** Feed offsets of the events in this POST, in the order sent. */
  ids: number[];
  body: string;
  signature: string;
  timestamp: string;
  /** When it arrived (ms since the epoch). */
  receivedAt: number;
}

/**
 * A webhook receiver for tests and the benchmark whose behaviour can be switched: answer 2xx, 500, or never (so the
 * gateway's timeout must give up on it). `acknowledged` holds the deliveries it answered 2xx.
 */
export class WebhookReceiver {
  mode: "ok" | "fail" | "hang" = "ok";
  readonly deliveries: Delivery[] = [];
  readonly acknowledged: Delivery[] = [];
  private server: http.Server | undefined;

  async listen(port = 0): Promise<number> {
    this.server = http.createServer((req, res) => {
      let body = "";
      req.setEncoding("utf8");
      req.on("data", (chunk: string) => (body += chunk));
      req.on("end", () => {
        const delivery: Delivery = {
          ids: (JSON.parse(body) as { events: { id: number }[] }).events.map((e) => e.id),
          body,
          signature: String(req.headers["x-ledger-signature"]),
          timestamp: String(req.headers["x-ledger-timestamp"]),
          receivedAt: Date.now(),
        };
        this.deliveries.push(delivery);
        if (this.mode === "hang") return;
        if (this.mode === "fail") return void res.writeHead(500).end("failing on purpose");
        this.acknowledged.push(delivery);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(port, "127.0.0.1", resolve));
    return (this.server.address() as AddressInfo).port;
  }

  /** Offsets acknowledged, each once, in the order first acknowledged. */
  firstAcknowledged(): number[] {
    return [...new Set(this.acknowledged.flatMap((d) => d.ids))];
  }

  async close(): Promise<void> {
    if (!this.server) return;
    const closed = new Promise((resolve) => this.server!.close(resolve));
    this.server.closeAllConnections();
    await closed;
  }
}
