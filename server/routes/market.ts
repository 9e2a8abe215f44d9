import type { GatewayServices } from "../core";
import type { RouteBuilder } from "../http/route";
import { SCOPE } from "../services/scopes";
import { claimOf } from "./schemas/carbon";
import {
  CreateListingBody,
  FillBody,
  ListListingsQuery,
  ListTradesQuery,
  Listing,
  ListingPage,
  ListingParams,
  MarketWriteResult,
  TradePage,
} from "./schemas/market";

const APPROVAL_NOTE =
  "The first time an organisation needs it, the gateway first sends (and waits for) a one-time standing approval of the market " +
  "contract, signed with the organisation's key and visible among its transactions: ";

export function marketRoutes(routes: RouteBuilder, s: GatewayServices): void {
  const market = s.market;
  const tags = ["market"];

  routes.add({
    method: "post",
    path: "/v1/market/listings",
    operationId: "createListing",
    summary: "List credits of a batch at a unit price in VND; they move into the market's escrow",
    description: `${APPROVAL_NOTE}ERC-1155 setApprovalForAll, so that the market can take the listed credits into escrow.`,
    tags,
    scope: SCOPE.MARKET_TRADE,
    body: CreateListingBody,
    success: { status: 201, description: "Listed", schema: MarketWriteResult },
    chainWrite: true,
    errors: [404, 409, 422, 502, 503],
    handler: async ({ body, principal, idempotency }) => ({
      submission: await market.list(
        principal,
        { batchId: body.batchId, amount: body.amount, unitPrice: body.unitPrice, minFill: body.minFill, expiry: body.expiresAt ?? 0, buyer: body.buyer },
        idempotency,
      ),
    }),
  });

  routes.add({
    method: "get",
    path: "/v1/market/listings",
    operationId: "listListings",
    summary: "Listings (filters: seller, batch, status), by id",
    tags,
    scope: SCOPE.MARKET_READ,
    query: ListListingsQuery,
    success: { status: 200, description: "A page of listings", schema: ListingPage },
    errors: [404, 503],
    handler: async ({ query }) => ({ status: 200, body: await market.listings(query) }),
  });

  routes.add({
    method: "get",
    path: "/v1/market/listings/{id}",
    operationId: "getListing",
    summary: "A listing: amount listed, remaining, filled, price, expiry, status",
    tags,
    scope: SCOPE.MARKET_READ,
    params: ListingParams,
    success: { status: 200, description: "The listing", schema: Listing },
    errors: [404, 503],
    handler: async ({ params }) => ({ status: 200, body: await market.listing(params.id) }),
  });

  routes.add({
    method: "post",
    path: "/v1/market/listings/{id}/fill",
    operationId: "fillListing",
    summary: "Buy all or part of a listing (delivery versus payment), optionally retiring on purchase",
    description:
      "Credits and VND swap in one transaction; refused when the cost (amount × unit price) exceeds maxCost. With `retire`, the " +
      `credits are retired in the same transaction and the answer links the certificate. ${APPROVAL_NOTE}` +
      "ERC-20 approve of the maximum VND, which the market can only draw in fills the buyer signs, each bounded by its maxCost.",
    tags,
    scope: SCOPE.MARKET_TRADE,
    params: ListingParams,
    body: FillBody,
    success: { status: 200, description: "Bought (and retired)", schema: MarketWriteResult },
    chainWrite: true,
    errors: [403, 404, 409, 422, 502, 503],
    handler: async ({ params, body, principal, idempotency }) => ({
      submission: await market.fill(
        principal,
        params.id,
        { amount: body.amount, maxCost: body.maxCost, retire: body.retire ? claimOf(body.retire) : undefined },
        idempotency,
      ),
    }),
  });

  routes.add({
    method: "delete",
    path: "/v1/market/listings/{id}",
    operationId: "cancelListing",
    summary: "Cancel a listing (seller); the remainder comes back from escrow",
    tags,
    scope: SCOPE.MARKET_TRADE,
    params: ListingParams,
    success: { status: 200, description: "Cancelled", schema: MarketWriteResult },
    chainWrite: true,
    errors: [403, 404, 409, 502, 503],
    handler: async ({ params, principal, idempotency }) => ({ submission: await market.cancel(principal, params.id, idempotency) }),
  });

  routes.add({
    method: "get",
    path: "/v1/market/trades",
    operationId: "listTrades",
    summary: "Trades (filters: listing, batch, seller, buyer), oldest first",
    tags,
    scope: SCOPE.MARKET_READ,
    query: ListTradesQuery,
    success: { status: 200, description: "A page of trades", schema: TradePage },
    errors: [404, 503],
    handler: async ({ query }) => ({ status: 200, body: await market.trades(query) }),
  });
}
