import { extendZodWithOpenApi } from "@asteasolutions/zod-to-openapi";
import { z } from "zod";

// Adds `.openapi()` to zod schemas; every schema module imports z from here so the extension is in place first.
extendZodWithOpenApi(z);

export { z };
