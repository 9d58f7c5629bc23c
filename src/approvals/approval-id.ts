import { randomBytes } from "node:crypto";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
/** 22 of 62 characters: 131 random bits, as many as the 16 random bytes ids were made of before. */
const LENGTH = 22;
/** Bytes at or above this are skipped so that every character is equally likely (248 = 4 × 62). */
const UNBIASED = 256 - (256 % ALPHABET.length);

/**
 * A new approval id, letters and digits only. People copy it from chat into `approve <id>`, and every renderer
 * shows letters and digits as they are. base64url's "_" and "-" are not safe: DingTalk markdown cannot be
 * escaped, so its renderer defuses a "_" at a word edge into "＿" (adapters/dingtalk/neutralise.ts), and about
 * 3 % of base64url ids were shown as a string that is not the id. Ids made before stay valid (store.get, parse).
 */
export function newApprovalId(): string {
  let id = "";
  while (id.length < LENGTH)
    for (const b of randomBytes(LENGTH)) if (b < UNBIASED && id.length < LENGTH) id += ALPHABET[b % ALPHABET.length];
  return id;
}
