// Checking a rendered surface against Slack's limits, as Slack would refuse it: used by the view,
// end-to-end and walk-through tests on everything the bot renders.
import { SLACK_LIMITS, codePointLength } from '../../src/slack/views/text';

export type Surface = 'message' | 'modal' | 'home';

type Json = Record<string, unknown>;

const isObject = (x: unknown): x is Json => typeof x === 'object' && x !== null && !Array.isArray(x);

/**
 * Every Slack limit `payload` breaks, as readable lines ("blocks[3].text: 3012 > 3000 (section
 * text)"); empty when it would be accepted. `payload` is a message (`{ text, blocks }`) or a view.
 */
export function checkLimits(surface: Surface, payload: unknown): string[] {
  const problems: string[] = [];
  const fail = (path: string, message: string) => problems.push(`${path}: ${message}`);
  if (!isObject(payload)) return ['payload: not an object'];
  const blocks = payload.blocks;
  if (!Array.isArray(blocks)) return ['blocks: missing'];

  const maxBlocks = surface === 'message' ? SLACK_LIMITS.messageBlocks : SLACK_LIMITS.viewBlocks;
  if (blocks.length > maxBlocks) fail('blocks', `${blocks.length} blocks > ${maxBlocks}`);

  if (surface === 'message') {
    const size = JSON.stringify(blocks).length;
    if (size > SLACK_LIMITS.messageBlocksJson) fail('blocks', `${size} characters of JSON > ${SLACK_LIMITS.messageBlocksJson}`);
    const text = payload.text;
    if (typeof text !== 'string' || text.trim() === '') fail('text', 'missing notification text');
    else if (codePointLength(text) > SLACK_LIMITS.fallbackText) fail('text', `${codePointLength(text)} > ${SLACK_LIMITS.fallbackText}`);
  } else {
    if (payload.type !== surface) fail('type', `expected "${surface}"`);
    checkString(payload.private_metadata, 'private_metadata', SLACK_LIMITS.privateMetadata, fail);
    checkString(payload.callback_id, 'callback_id', SLACK_LIMITS.id, fail);
  }
  if (surface === 'modal') {
    checkText(payload.title, 'title', SLACK_LIMITS.modalTitle, fail, { required: true, plainOnly: true });
    checkText(payload.submit, 'submit', SLACK_LIMITS.modalTitle, fail, { plainOnly: true });
    checkText(payload.close, 'close', SLACK_LIMITS.modalTitle, fail, { plainOnly: true });
    const hasInput = blocks.some((b) => isObject(b) && b.type === 'input');
    if (hasInput && payload.submit === undefined) fail('submit', 'a modal with inputs needs a submit button');
  }

  const blockIds = new Set<string>();
  blocks.forEach((block, index) => {
    const path = `blocks[${index}]`;
    if (!isObject(block)) {
      fail(path, 'not an object');
      return;
    }
    if (block.block_id !== undefined) {
      checkString(block.block_id, `${path}.block_id`, SLACK_LIMITS.id, fail);
      if (typeof block.block_id === 'string') {
        if (blockIds.has(block.block_id)) fail(`${path}.block_id`, `duplicate "${block.block_id}"`);
        blockIds.add(block.block_id);
      }
    }
    checkBlock(block, path, surface, fail);
  });
  return problems;
}

type Fail = (path: string, message: string) => void;

function checkString(value: unknown, path: string, max: number, fail: Fail): void {
  if (value === undefined) return;
  if (typeof value !== 'string') {
    fail(path, 'not a string');
    return;
  }
  const n = codePointLength(value);
  if (n > max) fail(path, `${n} > ${max}`);
}

function checkText(value: unknown, path: string, max: number, fail: Fail, options: { required?: boolean; plainOnly?: boolean } = {}): void {
  if (value === undefined) {
    if (options.required) fail(path, 'missing');
    return;
  }
  if (!isObject(value)) {
    fail(path, 'not a text object');
    return;
  }
  if (value.type !== 'plain_text' && value.type !== 'mrkdwn') fail(`${path}.type`, `unknown text type "${String(value.type)}"`);
  if (options.plainOnly && value.type !== 'plain_text') fail(`${path}.type`, 'must be plain_text');
  if (typeof value.text !== 'string' || value.text.length === 0) {
    // Slack refuses empty text objects (minimum length 1).
    fail(`${path}.text`, 'empty');
    return;
  }
  const n = codePointLength(value.text);
  const limit = Math.min(max, SLACK_LIMITS.textObject);
  if (n > limit) fail(`${path}.text`, `${n} > ${limit}`);
}

function checkBlock(block: Json, path: string, surface: Surface, fail: Fail): void {
  switch (block.type) {
    case 'header':
      checkText(block.text, `${path}.text`, SLACK_LIMITS.headerText, fail, { required: true, plainOnly: true });
      return;
    case 'section': {
      if (block.text === undefined && block.fields === undefined) fail(path, 'a section needs text or fields');
      checkText(block.text, `${path}.text`, SLACK_LIMITS.sectionText, fail);
      if (block.fields !== undefined) {
        if (!Array.isArray(block.fields)) fail(`${path}.fields`, 'not a list');
        else {
          if (block.fields.length > SLACK_LIMITS.sectionFields) fail(`${path}.fields`, `${block.fields.length} > ${SLACK_LIMITS.sectionFields}`);
          for (const [i, f] of block.fields.entries()) checkText(f, `${path}.fields[${i}]`, SLACK_LIMITS.sectionFieldText, fail);
        }
      }
      if (block.accessory !== undefined) checkElement(block.accessory, `${path}.accessory`, fail);
      return;
    }
    case 'context': {
      const elements = block.elements;
      if (!Array.isArray(elements) || elements.length === 0) {
        fail(`${path}.elements`, 'empty');
        return;
      }
      if (elements.length > SLACK_LIMITS.contextElements) fail(`${path}.elements`, `${elements.length} > ${SLACK_LIMITS.contextElements}`);
      elements.forEach((e, i) => {
        if (isObject(e) && e.type === 'image') return;
        checkText(e, `${path}.elements[${i}]`, SLACK_LIMITS.contextElementText, fail, { required: true });
      });
      return;
    }
    case 'actions': {
      const elements = block.elements;
      if (!Array.isArray(elements) || elements.length === 0) {
        fail(`${path}.elements`, 'empty');
        return;
      }
      if (elements.length > SLACK_LIMITS.actionsElements) fail(`${path}.elements`, `${elements.length} > ${SLACK_LIMITS.actionsElements}`);
      const actionIds = new Set<string>();
      elements.forEach((e, i) => {
        checkElement(e, `${path}.elements[${i}]`, fail);
        // Slack needs action_ids to be unique within a block.
        if (isObject(e) && typeof e.action_id === 'string') {
          if (actionIds.has(e.action_id)) fail(`${path}.elements[${i}].action_id`, `duplicate "${e.action_id}"`);
          actionIds.add(e.action_id);
        }
      });
      return;
    }
    case 'input':
      if (surface === 'message') fail(path, 'input blocks belong in modals');
      checkText(block.label, `${path}.label`, SLACK_LIMITS.inputLabel, fail, { required: true, plainOnly: true });
      checkText(block.hint, `${path}.hint`, SLACK_LIMITS.inputLabel, fail, { plainOnly: true });
      if (block.element === undefined) fail(`${path}.element`, 'missing');
      else checkElement(block.element, `${path}.element`, fail);
      return;
    case 'divider':
      return;
    case 'image': {
      // Slack: alt_text up to 2000 characters, a title up to 2000, and exactly one source.
      if (typeof block.alt_text !== 'string' || block.alt_text.length === 0) fail(`${path}.alt_text`, 'missing');
      else if (codePointLength(block.alt_text) > 2000) fail(`${path}.alt_text`, `${codePointLength(block.alt_text)} > 2000`);
      checkText(block.title, `${path}.title`, 2000, fail, { plainOnly: true });
      const file = block.slack_file as Json | undefined;
      const sources = (typeof block.image_url === 'string' ? 1 : 0) + (file && (typeof file.id === 'string' || typeof file.url === 'string') ? 1 : 0);
      if (sources !== 1) fail(path, 'needs exactly one of image_url and slack_file');
      return;
    }
    default:
      fail(`${path}.type`, `unexpected block type "${String(block.type)}"`);
  }
}

function checkElement(element: unknown, path: string, fail: Fail): void {
  if (!isObject(element)) {
    fail(path, 'not an object');
    return;
  }
  checkString(element.action_id, `${path}.action_id`, SLACK_LIMITS.id, fail);
  checkText(element.placeholder, `${path}.placeholder`, SLACK_LIMITS.placeholder, fail, { plainOnly: true });
  if (element.confirm !== undefined) checkConfirm(element.confirm, `${path}.confirm`, fail);
  switch (element.type) {
    case 'button':
      checkText(element.text, `${path}.text`, SLACK_LIMITS.buttonText, fail, { required: true, plainOnly: true });
      checkString(element.value, `${path}.value`, SLACK_LIMITS.buttonValue, fail);
      checkString(element.url, `${path}.url`, SLACK_LIMITS.buttonUrl, fail);
      if (element.style !== undefined && element.style !== 'primary' && element.style !== 'danger') {
        fail(`${path}.style`, `unknown style "${String(element.style)}"`);
      }
      return;
    case 'static_select': {
      const options = element.options;
      if (!Array.isArray(options) || options.length === 0) {
        fail(`${path}.options`, 'empty');
        return;
      }
      if (options.length > SLACK_LIMITS.selectOptions) fail(`${path}.options`, `${options.length} > ${SLACK_LIMITS.selectOptions}`);
      const values: unknown[] = [];
      options.forEach((o, i) => {
        const p = `${path}.options[${i}]`;
        if (!isObject(o)) {
          fail(p, 'not an object');
          return;
        }
        checkText(o.text, `${p}.text`, SLACK_LIMITS.optionText, fail, { required: true });
        checkText(o.description, `${p}.description`, SLACK_LIMITS.optionText, fail);
        checkString(o.value, `${p}.value`, SLACK_LIMITS.optionValue, fail);
        values.push(o.value);
      });
      if (element.initial_option !== undefined) {
        const initial = isObject(element.initial_option) ? element.initial_option.value : undefined;
        if (!values.includes(initial)) fail(`${path}.initial_option`, 'not one of the options');
      }
      return;
    }
    case 'overflow': {
      // An overflow menu holds one to five options.
      const options = element.options;
      if (!Array.isArray(options) || options.length === 0) {
        fail(`${path}.options`, 'empty');
        return;
      }
      if (options.length > 5) fail(`${path}.options`, `${options.length} > 5`);
      options.forEach((o, i) => {
        const p = `${path}.options[${i}]`;
        if (!isObject(o)) {
          fail(p, 'not an object');
          return;
        }
        checkText(o.text, `${p}.text`, SLACK_LIMITS.optionText, fail, { required: true, plainOnly: true });
        checkString(o.value, `${p}.value`, SLACK_LIMITS.optionValue, fail);
      });
      return;
    }
    case 'plain_text_input': {
      checkString(element.initial_value, `${path}.initial_value`, SLACK_LIMITS.inputValue, fail);
      if (typeof element.max_length === 'number') {
        if (element.max_length > SLACK_LIMITS.inputValue) fail(`${path}.max_length`, `${element.max_length} > ${SLACK_LIMITS.inputValue}`);
        if (typeof element.initial_value === 'string' && codePointLength(element.initial_value) > element.max_length) {
          fail(`${path}.initial_value`, `longer than its own max_length ${element.max_length}`);
        }
      }
      return;
    }
    case 'datepicker':
      if (element.initial_date !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(String(element.initial_date))) {
        fail(`${path}.initial_date`, 'not YYYY-MM-DD');
      }
      return;
    case 'users_select':
      if (element.initial_user !== undefined && typeof element.initial_user !== 'string') fail(`${path}.initial_user`, 'not a user id');
      return;
    case 'conversations_select':
      if (element.initial_conversation !== undefined && typeof element.initial_conversation !== 'string') {
        fail(`${path}.initial_conversation`, 'not a conversation id');
      }
      return;
    case 'multi_users_select':
      // Slack refuses more initial users than it lets anyone select (100 by default).
      if (element.initial_users !== undefined && (!Array.isArray(element.initial_users) || element.initial_users.length > 100)) {
        fail(`${path}.initial_users`, 'not a list of at most 100 user ids');
      }
      return;
    default:
      fail(`${path}.type`, `unexpected element type "${String(element.type)}"`);
  }
}

function checkConfirm(confirm: unknown, path: string, fail: Fail): void {
  if (!isObject(confirm)) {
    fail(path, 'not an object');
    return;
  }
  checkText(confirm.title, `${path}.title`, SLACK_LIMITS.confirmTitle, fail, { required: true, plainOnly: true });
  checkText(confirm.text, `${path}.text`, SLACK_LIMITS.confirmText, fail, { required: true });
  checkText(confirm.confirm, `${path}.confirm`, SLACK_LIMITS.confirmButton, fail, { required: true, plainOnly: true });
  checkText(confirm.deny, `${path}.deny`, SLACK_LIMITS.confirmButton, fail, { required: true, plainOnly: true });
}
