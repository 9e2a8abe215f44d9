import { expect } from "chai";
import request from "supertest";
import { fillCatalogue } from "../../scripts/bench/lib/catalogue-fill";
import { startTestGateway, type TestGateway } from "./helpers/gateway";

const COUNT = 50_000;

/**
 * The catalogue at the size the portal issue names: 50,000 datasets in the index (written straight into its tables;
 * registering each on chain would take an hour), paged by cursor from first to last and searched. Timing is the
 * benchmark's job (`npm run bench`, portal part); here: every dataset once, in order, and the filters still work.
 */
describe("catalogue of 50,000 datasets", function () {
  this.timeout(600_000);
  let gw: TestGateway;
  let ids: string[];
  before(async function () {
    gw = await startTestGateway();
    ids = fillCatalogue(gw.services.index.db, COUNT, gw.services.participants.find("DATA-OFFICE")!.address);
  });
  after(async () => gw?.stop());

  const get = (path: string) => request(gw.app).get(path).set(gw.auth("DATA-OFFICE"));

  it("pages through every dataset once, in registration order, with the cursor", async function () {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: request.Response = await get(`/v1/datasets?limit=200${cursor ? `&cursor=${cursor}` : ""}`).expect(200);
      expect(res.body.items.length).to.be.at.most(200);
      seen.push(...res.body.items.map((d: { id: string }) => d.id));
      cursor = res.body.nextCursor;
      pages++;
    } while (cursor);
    expect(new Set(seen).size, "no dataset twice").to.equal(seen.length);
    // The synthetic rows come first (block 0), in the order written; any registered on chain follow.
    expect(seen.slice(0, COUNT)).to.deep.equal(ids);
    expect(seen.length).to.be.at.least(COUNT);
    expect(pages).to.equal(Math.ceil(seen.length / 200));
  });

  it("answers the portal's first and next page (20 each) and a diacritic-folded search over all of them", async function () {
    const first = await get("/v1/datasets?limit=20").expect(200);
    expect(first.body.items.map((d: { id: string }) => d.id)).to.deep.equal(ids.slice(0, 20));
    expect(first.body.items[0].holder.organization).to.equal("DATA-OFFICE");
    const next = await get(`/v1/datasets?limit=20&cursor=${first.body.nextCursor}`).expect(200);
    expect(next.body.items.map((d: { id: string }) => d.id)).to.deep.equal(ids.slice(20, 40));

    // "Hai Chau" finds "Hải Châu": one district in seven.
    let found = 0;
    let cursor: string | null = null;
    do {
      const res: request.Response = await get(`/v1/datasets?text=${encodeURIComponent("Hai Chau")}&limit=200${cursor ? `&cursor=${cursor}` : ""}`).expect(200);
      for (const d of res.body.items as { title: string }[]) expect(d.title).to.contain("Hải Châu");
      found += res.body.items.length;
      cursor = res.body.nextCursor;
    } while (cursor && found < 1_000);
    expect(found).to.be.at.least(1_000);
  });
});
