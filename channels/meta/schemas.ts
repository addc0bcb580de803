import { z } from 'zod';

// Lenient by design: Meta adds fields without notice, so every object is loose and only the
// fields we read are declared. Items are parsed one by one; a bad item is skipped, not fatal.

const str = z.string().min(1).max(4096);
const idStr = z.union([z.string().min(1).max(512), z.number().transform(String)]);

export const Envelope = z.looseObject({ object: z.string(), entry: z.array(z.unknown()).max(1000) });

// ---- WhatsApp (object: whatsapp_business_account) ----
export const WaEntry = z.looseObject({ id: idStr.optional(), changes: z.array(z.unknown()).max(1000) });
export const WaChange = z.looseObject({ field: z.string(), value: z.looseObject({}) });
export const WaMetadata = z.looseObject({ phone_number_id: idStr, display_phone_number: z.string().optional() });
export const WaContact = z.looseObject({
  wa_id: z.string().max(64).optional(),
  user_id: z.string().max(200).optional(),
  profile: z.looseObject({ name: z.string().max(512).optional(), username: z.string().max(200).optional() }).optional(),
});
const waMedia = z.looseObject({ id: idStr, mime_type: z.string().max(200).optional(), caption: z.string().max(4096).optional(), url: z.string().max(4096).optional() });
export const WaMessage = z.looseObject({
  id: str,
  from: z.string().max(64).optional(),
  from_user_id: z.string().max(200).optional(),
  to: z.string().max(64).optional(),
  to_user_id: z.string().max(200).optional(),
  timestamp: z.union([z.string(), z.number()]).optional(),
  type: z.string().max(64),
  context: z.looseObject({}).optional(),
  referral: z.looseObject({}).optional(),
  text: z.looseObject({ body: z.string().max(65536) }).optional(),
  image: waMedia.optional(),
  audio: waMedia.extend({ voice: z.boolean().optional() }).optional(),
  video: waMedia.optional(),
  document: waMedia.extend({ filename: z.string().max(1024).optional() }).optional(),
  sticker: waMedia.extend({ animated: z.boolean().optional() }).optional(),
  location: z.looseObject({ latitude: z.number(), longitude: z.number(), name: z.string().optional(), address: z.string().optional(), url: z.string().optional() }).optional(),
  interactive: z.looseObject({
    type: z.string(),
    button_reply: z.looseObject({ id: z.string(), title: z.string() }).optional(),
    list_reply: z.looseObject({ id: z.string(), title: z.string(), description: z.string().optional() }).optional(),
  }).optional(),
  button: z.looseObject({ payload: z.string().optional(), text: z.string().optional() }).optional(),
  reaction: z.looseObject({ message_id: z.string(), emoji: z.string().optional() }).optional(),
  order: z.looseObject({
    catalog_id: z.string().optional(),
    text: z.string().optional(),
    product_items: z.array(z.looseObject({
      product_retailer_id: z.string(),
      quantity: z.union([z.number(), z.string()]),
      item_price: z.union([z.number(), z.string()]).optional(),
      currency: z.string().optional(),
    })).max(500),
  }).optional(),
  unsupported: z.looseObject({ type: z.string().optional() }).optional(),
  errors: z.array(z.looseObject({ code: z.number().optional(), title: z.string().optional(), message: z.string().optional() })).optional(),
});
export type WaMessage = z.infer<typeof WaMessage>;
export const WaStatus = z.looseObject({
  id: str,
  status: z.string(),
  timestamp: z.union([z.string(), z.number()]).optional(),
  recipient_id: z.string().optional(),
  biz_opaque_callback_data: z.string().max(512).optional(),
  errors: z.array(z.looseObject({
    code: z.number().optional(),
    title: z.string().optional(),
    message: z.string().optional(),
    error_data: z.looseObject({ details: z.string().optional() }).optional(),
  })).optional(),
});

// ---- Messenger (object: page) and Instagram (object: instagram) ----
export const MpEntry = z.looseObject({ id: idStr, time: z.number().optional(), messaging: z.array(z.unknown()).max(1000).optional() });
const attachment = z.looseObject({ type: z.string(), payload: z.looseObject({ url: z.string().max(4096).optional() }).nullish() });
export const MpMessaging = z.looseObject({
  sender: z.looseObject({ id: idStr }),
  recipient: z.looseObject({ id: idStr }),
  timestamp: z.number().optional(),
  message: z.looseObject({
    mid: str,
    text: z.string().max(65536).optional(),
    is_echo: z.boolean().optional(),
    is_deleted: z.boolean().optional(),
    is_unsupported: z.boolean().optional(),
    app_id: z.union([z.number(), z.string()]).optional(),
    metadata: z.string().max(1000).optional(),
    quick_reply: z.looseObject({ payload: z.string() }).optional(),
    reply_to: z.looseObject({ mid: z.string().optional(), story: z.looseObject({ url: z.string().optional(), id: z.string().optional() }).optional() }).optional(),
    attachments: z.array(attachment).max(50).optional(),
    referral: z.looseObject({}).optional(),
  }).optional(),
  postback: z.looseObject({ mid: z.string().optional(), title: z.string().optional(), payload: z.string().optional(), referral: z.looseObject({}).optional() }).optional(),
  reaction: z.looseObject({ mid: z.string(), action: z.string().optional(), reaction: z.string().optional(), emoji: z.string().optional() }).optional(),
  message_edit: z.looseObject({ mid: z.string(), text: z.string().optional(), num_edit: z.number().optional() }).optional(),
  referral: z.looseObject({}).optional(),
});
export type MpMessaging = z.infer<typeof MpMessaging>;

/** Graph send responses. */
export const WaSendResponse = z.looseObject({ messages: z.array(z.looseObject({ id: z.string() })).min(1) });
export const MpSendResponse = z.looseObject({ message_id: z.string() });
