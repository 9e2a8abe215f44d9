import PDFDocument from "pdfkit";
import QRCode from "qrcode";

/** The certificate as the carbon service answers it (only what the PDF prints). */
export interface CertificateData {
  id: string;
  batchId: string;
  project: { id: string | null };
  monitoringPeriod: { start: string; end: string } | null;
  holder: { address: string; organization: string | null } | null;
  amount: string;
  serials: { first: string; last: string };
  beneficiary: { name: string; organization: string | null };
  reason: string;
  consumptionPeriod: { start: string; end: string };
  transaction: { transactionHash: string; blockNumber: number; timestamp: string } | null;
}

// DejaVu Sans covers Vietnamese (precomposed and combining diacritics); PDF's standard fonts do not.
const FONT = require.resolve("dejavu-fonts-ttf/ttf/DejaVuSans.ttf");
const FONT_BOLD = require.resolve("dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf");

const LABELS = {
  vi: {
    title: "Giấy chứng nhận hủy bỏ tín chỉ carbon",
    number: "Số giấy chứng nhận",
    beneficiary: "Bên thụ hưởng",
    reason: "Lý do",
    consumption: "Kỳ tiêu thụ",
    serials: "Dải số sê-ri",
    amount: "Số lượng (tCO2e)",
    batch: "Lô tín chỉ",
    project: "Dự án",
    vintage: "Niên vụ (kỳ giám sát)",
    holder: "Tổ chức hủy bỏ",
    transaction: "Giao dịch",
    block: "Khối",
    date: "Ngày",
    scan: "Quét mã QR để kiểm tra giấy chứng nhận này trên sổ cái",
  },
  en: {
    title: "Carbon credit retirement certificate",
    number: "Certificate number",
    beneficiary: "Beneficiary",
    reason: "Reason",
    consumption: "Consumption period",
    serials: "Serial range",
    amount: "Amount (tCO2e)",
    batch: "Batch",
    project: "Project",
    vintage: "Vintage (monitoring period)",
    holder: "Retired by",
    transaction: "Transaction",
    block: "Block",
    date: "Date",
    scan: "Scan the QR code to check this certificate against the ledger",
  },
} as const;

const day = (iso: string, lang: "vi" | "en") =>
  new Intl.DateTimeFormat(lang === "vi" ? "vi-VN" : "en-GB", { dateStyle: "long", timeZone: "UTC" }).format(new Date(iso));
const period = (p: { start: string; end: string } | null, lang: "vi" | "en") => (p ? `${day(p.start, lang)} – ${day(p.end, lang)}` : "—");

/** Renders the certificate: every field of the claim, the exact serial range, where it is on chain, and a QR code to its page. */
export async function renderCertificatePdf(c: CertificateData, pageUrl: string, lang: "vi" | "en"): Promise<Buffer> {
  const t = LABELS[lang];
  const qr = await QRCode.toBuffer(pageUrl, { errorCorrectionLevel: "M", margin: 1, width: 240 });
  const doc = new PDFDocument({ size: "A4", margin: 56, info: { Title: `${t.title} ${c.id}`, Producer: "City Asset Ledger" } });
  doc.registerFont("body", FONT);
  doc.registerFont("bold", FONT_BOLD);
  const chunks: Buffer[] = [];
  doc.on("data", (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on("end", () => resolve(Buffer.concat(chunks)));
    doc.on("error", reject);
  });

  doc.font("bold").fontSize(20).text(t.title, { align: "center" });
  doc.moveDown(0.3).font("body").fontSize(12).text(`${t.number}: ${c.id}`, { align: "center" });
  doc.moveDown(1.2);
  const rows: [string, string][] = [
    [t.beneficiary, c.beneficiary.organization ? `${c.beneficiary.name} (${c.beneficiary.organization})` : c.beneficiary.name],
    [t.reason, c.reason],
    [t.consumption, period(c.consumptionPeriod, lang)],
    [t.amount, new Intl.NumberFormat(lang === "vi" ? "vi-VN" : "en").format(BigInt(c.amount))],
    [t.serials, `${c.serials.first} – ${c.serials.last}`],
    [t.batch, c.batchId],
    [t.project, c.project.id ?? "—"],
    [t.vintage, period(c.monitoringPeriod, lang)],
    [t.holder, c.holder ? `${c.holder.organization ?? ""} ${c.holder.address}`.trim() : "—"],
    [t.transaction, c.transaction?.transactionHash ?? "—"],
    [t.block, c.transaction ? String(c.transaction.blockNumber) : "—"],
    [t.date, c.transaction ? day(c.transaction.timestamp, lang) : "—"],
  ];
  for (const [label, value] of rows) {
    doc.font("bold").fontSize(10).fillColor("#333333").text(label);
    // Hashes and addresses in a size that keeps them on one line, so they can be read (and copied) whole.
    doc.font("body").fontSize(value.length > 48 ? 9 : 12).fillColor("#000000").text(value, { lineBreak: true });
    doc.moveDown(0.5);
  }
  doc.moveDown(0.5);
  doc.image(qr, { fit: [120, 120] });
  doc.moveDown(0.3).font("body").fontSize(9).text(t.scan);
  doc.text(pageUrl, { link: pageUrl });
  doc.end();
  return done;
}
