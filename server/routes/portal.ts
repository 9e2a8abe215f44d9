import type { GatewayServices } from "../core";
import { publicRpcUrl } from "../config";
import { UnauthorizedError } from "../errors";
import type { RouteBuilder } from "../http/route";
import { z } from "../http/zod";
import { RetirementCertificate, RetirementParams } from "./schemas/carbon";

const Session = z
  .object({
    organization: z.string(),
    kind: z.string(),
    keyId: z.string(),
    scopes: z.array(z.string()),
  })
  .openapi("Session", { description: "Who the API key belongs to and what it may do (the portal's sign-in)" });

const PublicCertificate = z
  .object({
    certificate: RetirementCertificate,
    verification: z
      .object({
        rpcUrl: z.string().openapi({ description: "Read-only node (PUBLIC_RPC_URL) the page re-checks the retirement against" }),
        chainId: z.number().int(),
        registry: z.string().openapi({ description: "Address of the CarbonCreditRegistry that holds the retirement" }),
      })
      .openapi({ description: "Where a browser can re-check the certificate without trusting the gateway" }),
  })
  .openapi("PublicCertificate");

/**
 * What the portal needs beyond the resource routes: who a key belongs to, and the public certificate (JSON for the
 * page, PDF for printing). The certificate is public by nature, as in every registry: a retirement claim is made to
 * be shown.
 */
export function portalRoutes(routes: RouteBuilder, s: GatewayServices): void {
  routes.add({
    method: "get",
    path: "/v1/session",
    operationId: "getSession",
    summary: "The organisation, kind and scopes of the calling API key (requires a key)",
    tags: ["operations"],
    // Any valid key may ask who it is, whatever its scopes; checked in the handler.
    scope: null,
    success: { status: 200, description: "The key's identity", schema: Session },
    errors: [401],
    handler: async ({ principal }) => {
      if (!principal) throw new UnauthorizedError();
      return {
        status: 200,
        body: { organization: principal.orgCode, kind: principal.orgKind, keyId: principal.keyId, scopes: [...principal.scopes].sort() },
      };
    },
  });

  routes.add({
    method: "get",
    path: "/v1/carbon/retirements/{id}/certificate",
    operationId: "getPublicCertificate",
    summary: "A retirement certificate, public (no key), with where to re-check it on chain",
    tags: ["carbon"],
    scope: null,
    params: RetirementParams,
    success: { status: 200, description: "The certificate", schema: PublicCertificate },
    errors: [404, 503],
    handler: async ({ params }) => ({
      status: 200,
      body: {
        certificate: await s.carbon.retirement(params.id),
        verification: { rpcUrl: publicRpcUrl(s.config), chainId: s.contracts.record.chainId, registry: s.contracts.addresses.carbon },
      },
    }),
  });

  routes.add({
    method: "get",
    path: "/v1/carbon/retirements/{id}/certificate.pdf",
    operationId: "getCertificatePdf",
    summary: "The retirement certificate as a PDF (public), with a QR code leading to its page",
    tags: ["carbon"],
    scope: null,
    params: RetirementParams,
    query: z.strictObject({ lang: z.enum(["vi", "en"]).default("vi").openapi({ description: "Language of the labels" }) }),
    success: { status: 200, description: "application/pdf", schema: z.string().openapi({ format: "binary" }) },
    errors: [404, 503],
    handler: async ({ params, query }, req, res) => {
      const certificate = await s.carbon.retirement(params.id);
      const lang = query.lang;
      const pageUrl = `${req.protocol}://${req.get("host")}/certificates/${certificate.id}`;
      // Loaded on the first certificate asked for, not at start: pdfkit and its fonts are a fifth of the gateway's
      // module loading (240 ms of CPU), which a restart would otherwise spend beside the node's and the keys' start.
      const { renderCertificatePdf } = await import("../portal-server/certificate-pdf");
      const pdf = await renderCertificatePdf(certificate, pageUrl, lang);
      res.setHeader("Content-Type", "application/pdf");
      res.setHeader("Content-Disposition", `inline; filename="certificate-${certificate.id}.pdf"`);
      res.status(200).end(pdf);
      return { status: 200, body: null };
    },
  });
}
