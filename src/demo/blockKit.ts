// Block Kit as HTML for the demo page: every block and element the bot sends, drawn roughly as
// Slack draws it. Interactive elements carry what the page needs to send the action back as
// Slack would (data-action-id, data-block-id, data-value, the element's type).
import { escapeHtml, mrkdwnToHtml, plainToHtml, type MrkdwnContext } from './mrkdwn';

type Json = Record<string, any>;

export interface RenderContext extends MrkdwnContext {
  /** The people a users_select offers. */
  users: Array<{ id: string; name: string }>;
  /** The channels a conversations_select offers. */
  channels?: Array<{ id: string; name: string }>;
  /** Field errors to show under inputs (a modal submission answered with errors). */
  errors?: Record<string, string>;
}

export function textToHtml(text: Json | undefined, ctx: RenderContext): string {
  if (!text || typeof text.text !== 'string') return '';
  return text.type === 'mrkdwn' ? mrkdwnToHtml(text.text, ctx) : plainToHtml(text.text, text.emoji !== false);
}

const attr = (value: unknown) => escapeHtml(String(value ?? ''));
/** A form control's id, so its label names it (for people and for screen readers). */
const inputId = (blockId: unknown) => `input-${String(blockId ?? '').replace(/[^A-Za-z0-9_-]/g, '_')}`;

function dataFor(element: Json, blockId: string | undefined): string {
  return [
    `data-action-id="${attr(element.action_id)}"`,
    `data-block-id="${attr(blockId)}"`,
    `data-type="${attr(element.type)}"`,
    element.value !== undefined ? `data-value="${attr(element.value)}"` : '',
  ]
    .filter(Boolean)
    .join(' ');
}

function option(o: Json, selected: boolean, ctx: RenderContext): string {
  const label = textToHtml(o.text, ctx).replace(/<[^>]+>/g, '');
  return `<option value="${attr(o.value)}"${selected ? ' selected' : ''}>${label}</option>`;
}

function optionsOf(element: Json): Json[] {
  if (Array.isArray(element.options)) return element.options;
  if (Array.isArray(element.option_groups)) return element.option_groups.flatMap((g: Json) => g.options ?? []);
  return [];
}

/** A button's confirm dialog (Slack asks before it sends the click); the page draws it. */
function confirmAttr(element: Json, ctx: RenderContext): string {
  if (!element.confirm) return '';
  const c = element.confirm as Json;
  return (
    ` data-confirm-title="${attr(c.title?.text ?? 'Are you sure?')}"` +
    ` data-confirm-text="${attr(textToHtml(c.text, ctx))}"` +
    ` data-confirm-yes="${attr(c.confirm?.text ?? 'Yes')}"` +
    ` data-confirm-no="${attr(c.deny?.text ?? 'Cancel')}"`
  );
}

/** An interactive element in a message, App Home or a modal's non-input block. */
export function elementToHtml(element: Json, blockId: string | undefined, ctx: RenderContext): string {
  switch (element.type) {
    case 'button': {
      const style = element.style === 'primary' ? ' primary' : element.style === 'danger' ? ' danger' : '';
      const label = textToHtml(element.text, ctx);
      if (element.url) {
        return `<a class="bk-button${style}" href="${attr(element.url)}" ${dataFor(element, blockId)} data-url="${attr(element.url)}">${label}</a>`;
      }
      return `<button class="bk-button${style}" ${dataFor(element, blockId)}${confirmAttr(element, ctx)}>${label}</button>`;
    }
    case 'overflow':
      return (
        `<select class="bk-overflow" ${dataFor(element, blockId)} aria-label="More actions">` +
        `<option value="" selected>⋯</option>${optionsOf(element)
          .map((o) => option(o, false, ctx))
          .join('')}</select>`
      );
    case 'static_select':
    case 'external_select': {
      const initial = element.initial_option?.value;
      const placeholder = element.placeholder ? textToHtml(element.placeholder, ctx) : 'Choose…';
      return (
        `<select class="bk-select" ${dataFor(element, blockId)}>` +
        `<option value=""${initial === undefined ? ' selected' : ''} disabled>${placeholder}</option>` +
        `${optionsOf(element)
          .map((o) => option(o, o.value === initial, ctx))
          .join('')}</select>`
      );
    }
    case 'users_select': {
      const initial = element.initial_user;
      return (
        `<select class="bk-select" ${dataFor(element, blockId)}>` +
        `<option value=""${initial ? '' : ' selected'} disabled>${element.placeholder ? textToHtml(element.placeholder, ctx) : 'Pick someone'}</option>` +
        ctx.users.map((u) => `<option value="${attr(u.id)}"${u.id === initial ? ' selected' : ''}>${escapeHtml(u.name)}</option>`).join('') +
        '</select>'
      );
    }
    case 'datepicker':
      return `<input class="bk-date" type="date" ${dataFor(element, blockId)} value="${attr(element.initial_date ?? '')}">`;
    case 'image':
      return `<img class="bk-image-element" src="${attr(element.image_url)}" alt="${attr(element.alt_text)}">`;
    default:
      return `<span class="bk-unknown">[${escapeHtml(String(element.type))}]</span>`;
  }
}

/** An input block's element, for a modal form; its current value comes from `initial_*`. */
function inputElement(block: Json, ctx: RenderContext): string {
  const element = block.element ?? {};
  const data = `id="${inputId(block.block_id)}" data-input-block="${attr(block.block_id)}" data-action-id="${attr(element.action_id)}" data-type="${attr(element.type)}"`;
  const placeholder = element.placeholder?.text ? ` placeholder="${attr(element.placeholder.text)}"` : '';
  const limits = `${element.max_length ? ` maxlength="${attr(element.max_length)}"` : ''}`;
  switch (element.type) {
    case 'plain_text_input':
      return element.multiline
        ? `<textarea ${data}${placeholder}${limits} rows="4">${escapeHtml(element.initial_value ?? '')}</textarea>`
        : `<input type="text" ${data}${placeholder}${limits} value="${attr(element.initial_value ?? '')}">`;
    case 'number_input':
      return `<input type="number" ${data}${placeholder} value="${attr(element.initial_value ?? '')}"${element.is_decimal_allowed ? ' step="any"' : ''}>`;
    case 'url_text_input':
      return `<input type="url" ${data}${placeholder} value="${attr(element.initial_value ?? '')}">`;
    case 'email_text_input':
      return `<input type="email" ${data}${placeholder} value="${attr(element.initial_value ?? '')}">`;
    case 'datepicker':
      return `<input type="date" ${data} value="${attr(element.initial_date ?? '')}">`;
    case 'static_select': {
      const initial = element.initial_option?.value;
      return (
        `<select ${data}><option value=""${initial === undefined ? ' selected' : ''}>${element.placeholder ? textToHtml(element.placeholder, ctx) : 'Choose…'}</option>` +
        `${optionsOf(element)
          .map((o) => option(o, o.value === initial, ctx))
          .join('')}</select>`
      );
    }
    case 'users_select': {
      const initial = element.initial_user;
      return (
        `<select ${data}><option value=""${initial ? '' : ' selected'}>${element.placeholder ? textToHtml(element.placeholder, ctx) : 'Pick someone'}</option>` +
        ctx.users.map((u) => `<option value="${attr(u.id)}"${u.id === initial ? ' selected' : ''}>${escapeHtml(u.name)}</option>`).join('') +
        '</select>'
      );
    }
    case 'multi_users_select': {
      const initial = new Set<string>(element.initial_users ?? []);
      return `<select multiple ${data}>${ctx.users.map((u) => `<option value="${attr(u.id)}"${initial.has(u.id) ? ' selected' : ''}>${escapeHtml(u.name)}</option>`).join('')}</select>`;
    }
    case 'conversations_select': {
      const initial = element.initial_conversation;
      const channels = ctx.channels ?? [];
      return (
        `<select ${data}><option value=""${initial ? '' : ' selected'}>${element.placeholder ? textToHtml(element.placeholder, ctx) : 'Choose a channel'}</option>` +
        channels.map((c) => `<option value="${attr(c.id)}"${c.id === initial ? ' selected' : ''}>#${escapeHtml(c.name)}</option>`).join('') +
        '</select>'
      );
    }
    case 'radio_buttons':
    case 'checkboxes': {
      const kind = element.type === 'radio_buttons' ? 'radio' : 'checkbox';
      const initial = new Set(
        (element.type === 'radio_buttons' ? [element.initial_option] : (element.initial_options ?? [])).filter(Boolean).map((o: Json) => o.value),
      );
      return (
        `<div class="bk-choices" ${data}>` +
        optionsOf(element)
          .map(
            (o) =>
              `<label><input type="${kind}" name="${attr(block.block_id)}" value="${attr(o.value)}"${initial.has(o.value) ? ' checked' : ''}> ${textToHtml(o.text, ctx)}</label>`,
          )
          .join('') +
        '</div>'
      );
    }
    default:
      return `<span class="bk-unknown">[${escapeHtml(String(element.type))}]</span>`;
  }
}

export function blockToHtml(block: Json, ctx: RenderContext): string {
  const id = block.block_id;
  switch (block.type) {
    case 'header':
      return `<div class="bk-header">${textToHtml(block.text, ctx)}</div>`;
    case 'divider':
      return '<hr class="bk-divider">';
    case 'section': {
      const text = block.text ? `<div class="bk-text">${textToHtml(block.text, ctx)}</div>` : '';
      const fields = Array.isArray(block.fields)
        ? `<div class="bk-fields">${block.fields.map((f: Json) => `<div class="bk-field">${textToHtml(f, ctx)}</div>`).join('')}</div>`
        : '';
      const accessory = block.accessory
        ? `<div class="bk-accessory">${block.accessory.type === 'image' ? `<img class="bk-thumb" src="${attr(block.accessory.image_url)}" alt="${attr(block.accessory.alt_text)}">` : elementToHtml(block.accessory, id, ctx)}</div>`
        : '';
      return `<div class="bk-section"><div class="bk-main">${text}${fields}</div>${accessory}</div>`;
    }
    case 'context':
      return `<div class="bk-context">${(block.elements ?? [])
        .map((e: Json) =>
          e.type === 'image'
            ? `<img class="bk-context-image" src="${attr(e.image_url)}" alt="${attr(e.alt_text)}">`
            : `<span>${textToHtml(e, ctx)}</span>`,
        )
        .join('')}</div>`;
    case 'actions':
      return `<div class="bk-actions">${(block.elements ?? []).map((e: Json) => elementToHtml(e, id, ctx)).join('')}</div>`;
    case 'image':
      return (
        `<figure class="bk-image">${block.title ? `<figcaption>${textToHtml(block.title, ctx)}</figcaption>` : ''}` +
        `<img src="${attr(block.image_url ?? (block.slack_file?.id ? `/demo/file/${block.slack_file.id}` : block.slack_file?.url))}" alt="${attr(block.alt_text)}"></figure>`
      );
    case 'input': {
      const error = ctx.errors?.[id];
      const optional = block.optional ? ' <span class="bk-optional">(optional)</span>' : '';
      return (
        `<div class="bk-input${error ? ' has-error' : ''}" data-block-id="${attr(id)}">` +
        `<label class="bk-label" for="${inputId(id)}">${textToHtml(block.label, ctx)}${optional}</label>` +
        inputElement(block, ctx) +
        (block.hint ? `<div class="bk-hint">${textToHtml(block.hint, ctx)}</div>` : '') +
        (error ? `<div class="bk-error" role="alert">${escapeHtml(error)}</div>` : '') +
        '</div>'
      );
    }
    case 'rich_text':
      return `<div class="bk-text">${escapeHtml(JSON.stringify(block.elements ?? []).slice(0, 300))}</div>`;
    default:
      return `<div class="bk-unknown">[${escapeHtml(String(block.type))} block]</div>`;
  }
}

export function blocksToHtml(blocks: unknown, ctx: RenderContext): string {
  if (!Array.isArray(blocks)) return '';
  return blocks.map((b) => blockToHtml(b as Json, ctx)).join('');
}
