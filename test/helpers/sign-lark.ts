/**
 * Signs and encrypts requests the way Lark's open platform does, written on node:crypto independently of
 * adapters/lark/verify.ts ("接收事件" doc: signature = sha256_hex(timestamp + nonce + encrypt_key + body);
 * body = {"encrypt": base64(iv ‖ AES-256-CBC(key = sha256(encrypt_key), PKCS7))}).
 */
import { createCipheriv, createHash, randomBytes, randomUUID } from "node:crypto";

export function larkEncrypt(encryptKey: string, plain: unknown): string {
  const key = createHash("sha256").update(encryptKey).digest();
  const iv = randomBytes(16);
  const c = createCipheriv("aes-256-cbc", key, iv);
  return Buffer.concat([iv, c.update(JSON.stringify(plain), "utf8"), c.final()]).toString("base64");
}

export interface LarkSignOptions {
  /** Seconds (default now). */
  timestamp?: number;
  nonce?: string;
  /** Sign with this key instead (a forgery). */
  signingKey?: string;
  /** Leave the signature headers off. */
  unsigned?: boolean;
  /** Send the payload in clear (still signed) instead of encrypted. */
  plaintext?: boolean;
}

/** The body and headers of a Lark push to our endpoint. */
export function larkRequest(encryptKey: string, payload: unknown, o: LarkSignOptions = {}) {
  const body = o.plaintext ? JSON.stringify(payload) : JSON.stringify({ encrypt: larkEncrypt(encryptKey, payload) });
  const ts = String(o.timestamp ?? Math.floor(Date.now() / 1000));
  const nonce = o.nonce ?? randomUUID().replace(/-/g, "").slice(0, 16);
  const sig = createHash("sha256")
    .update(ts + nonce + (o.signingKey ?? encryptKey) + body)
    .digest("hex");
  const headers: Record<string, string> = { "content-type": "application/json; charset=utf-8" };
  if (!o.unsigned)
    Object.assign(headers, {
      "x-lark-request-timestamp": ts,
      "x-lark-request-nonce": nonce,
      "x-lark-signature": sig,
    });
  return { body, headers };
}

const header = (type: string, token: string) => ({
  event_id: randomUUID().replace(/-/g, ""),
  token,
  create_time: String(Date.now() * 1000),
  event_type: type,
  tenant_key: "tenant_fake",
  app_id: "cli_a1b2c3d4e5f60718",
});

/** A card.action.trigger callback (schema 2.0) for a button click, shaped like the "表单容器" doc's sample. */
export function cardAction(o: {
  token: string;
  openId: string;
  value: unknown;
  messageId: string;
  chatId: string;
  formValue?: Record<string, string>;
}) {
  return {
    schema: "2.0",
    header: header("card.action.trigger", o.token),
    event: {
      operator: { tenant_key: "tenant_fake", open_id: o.openId, union_id: `on_${o.openId}` },
      token: `c-${randomUUID()}`,
      action: {
        value: o.value,
        tag: "button",
        timezone: "Asia/Shanghai",
        ...(o.formValue ? { form_value: o.formValue, name: "submit" } : {}),
      },
      host: "im_message",
      context: { open_message_id: o.messageId, open_chat_id: o.chatId },
    },
  };
}

/** An im.message.receive_v1 event: a text message (with @mentions as `@_user_N` keys). */
export function messageReceived(o: {
  token: string;
  openId: string;
  chatId: string;
  messageId: string;
  text: string;
  mentions?: Array<{ key: string; name: string; openId: string }>;
  senderType?: string;
  chatType?: "group" | "p2p";
}) {
  return {
    schema: "2.0",
    header: header("im.message.receive_v1", o.token),
    event: {
      sender: {
        sender_id: { open_id: o.openId, union_id: `on_${o.openId}` },
        sender_type: o.senderType ?? "user",
        tenant_key: "tenant_fake",
      },
      message: {
        message_id: o.messageId,
        create_time: String(Date.now()),
        chat_id: o.chatId,
        chat_type: o.chatType ?? "group",
        message_type: "text",
        content: JSON.stringify({ text: o.text }),
        mentions: (o.mentions ?? []).map((m) => ({
          key: m.key,
          id: { open_id: m.openId },
          name: m.name,
          tenant_key: "tenant_fake",
        })),
      },
    },
  };
}
