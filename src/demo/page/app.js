// The demo page: draws what the demo workspace holds for the person picked at the top, and sends
// what they do (a slash command, a click, a form) to the demo server, which signs it and passes it
// to the bot exactly as Slack would. It asks for the state again every second, because the bot
// posts after it answers (cards, thread replies and DMs come through its delivery worker).
(() => {
  const params = new URLSearchParams(location.search);
  const archive = /^\/archives\/([A-Z0-9]+)\/p(\d+)(\d{6})$/.exec(location.pathname);
  const ui = {
    user: params.get('user') || localStorage.getItem('demo-user') || 'UDEMOALICE',
    conversation: archive ? archive[1] : params.get('conversation') || 'CMISTAKES01',
    thread: archive ? `${archive[2]}.${archive[3]}` : params.get('thread'),
    drawn: { main: '', thread: '', modal: '', modalId: '', list: '' },
  };
  const $ = (id) => document.getElementById(id);
  let refreshing = false;
  let again = false;

  function toast(text, bad) {
    const t = $('toast');
    t.textContent = text;
    t.className = bad ? 'toast bad' : 'toast';
    t.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => (t.hidden = true), bad ? 8000 : 5000);
  }

  async function post(route, body) {
    const response = await fetch(`/demo/${route}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user: ui.user, ...body }),
    });
    const answer = await response.json().catch(() => ({ ok: false, error: `HTTP ${response.status}` }));
    if (!response.ok || answer.ok === false) toast(answer.error || 'That did not work.', true);
    else if (answer.said) toast(answer.said);
    await refresh();
    return answer;
  }

  function setUrl() {
    const query = new URLSearchParams({ user: ui.user, conversation: ui.conversation });
    if (ui.thread) query.set('thread', ui.thread);
    history.replaceState(null, '', `/?${query}`);
  }

  async function refresh() {
    if (refreshing) {
      again = true;
      return;
    }
    refreshing = true;
    try {
      const query = new URLSearchParams({ user: ui.user, conversation: ui.conversation });
      if (ui.thread) query.set('thread', ui.thread);
      const response = await fetch(`/demo/state?${query}`);
      if (response.ok) draw(await response.json());
    } catch {
      // The demo server is restarting or gone; the next tick tries again.
    } finally {
      refreshing = false;
      if (again) {
        again = false;
        void refresh();
      }
    }
  }

  function draw(state) {
    const users = $('user');
    if (users.options.length !== state.users.length) {
      users.innerHTML = state.users.map((u) => `<option value="${u.id}">${u.name} (${u.role})</option>`).join('');
    }
    users.value = state.you;
    $('clock').textContent = `${state.clock.label}${state.clock.advancedMs > 0 ? ' (moved forward)' : ''}`;

    const list = state.conversations
      .map(
        (c) =>
          `<li><button type="button" data-conversation="${c.kind === 'dm' ? 'dm' : c.id}" class="${(c.kind === 'dm' ? 'dm' : c.id) === ui.conversation ? 'active' : ''}">${c.name}</button></li>`,
      )
      .join('');
    if (list !== ui.drawn.list) $('conversations').innerHTML = ui.drawn.list = list;
    const current = state.conversations.find((c) => (c.kind === 'dm' ? 'dm' : c.id) === ui.conversation);
    $('title').textContent = current ? current.name : '';
    $('composer').hidden = ui.conversation === 'home';

    if (state.main !== ui.drawn.main) {
      const box = $('messages');
      const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
      box.innerHTML = ui.drawn.main = state.main;
      if (atBottom) box.scrollTop = box.scrollHeight;
    }
    $('thread-pane').hidden = !state.thread;
    if ((state.thread || '') !== ui.drawn.thread) $('thread').innerHTML = ui.drawn.thread = state.thread || '';

    const backdrop = $('modal-backdrop');
    if (!state.modal) {
      backdrop.hidden = true;
      ui.drawn.modal = '';
      ui.drawn.modalId = '';
    } else if (state.modal.html !== ui.drawn.modal || state.modal.id !== ui.drawn.modalId) {
      // Redrawn only when the bot changed it, so what someone is typing is not wiped by a tick.
      $('modal-title').innerHTML = state.modal.title;
      $('modal-body').innerHTML = state.modal.html;
      $('modal-submit').innerHTML = state.modal.submit || '';
      $('modal-submit').hidden = !state.modal.submit;
      $('modal-cancel').innerHTML = state.modal.close;
      $('modal').dataset.viewId = state.modal.id;
      ui.drawn.modal = state.modal.html;
      ui.drawn.modalId = state.modal.id;
      backdrop.hidden = false;
      const first =
        $('modal-body').querySelector('[role=alert]')?.closest('.bk-input')?.querySelector('input,textarea,select') ||
        $('modal-body').querySelector('input,textarea,select');
      first?.focus();
    }

    $('activity').innerHTML =
      state.activity.map((a) => `<li><time>${a.at}</time> ${escapeText(a.text)}</li>`).join('') ||
      '<li class="empty">Run a pass or move the clock.</li>';
    $('api').innerHTML = state.api
      .map((c) => `<li class="${c.ok ? '' : 'bad'}"><time>${c.at}</time> <code>${c.method}</code> ${escapeText(c.summary)}</li>`)
      .join('');
  }

  function escapeText(text) {
    const div = document.createElement('div');
    div.textContent = text;
    return div.innerHTML;
  }

  /** The inputs of the open modal, as the demo server turns them into view.state.values. */
  function modalValues() {
    return [...$('modal-body').querySelectorAll('[data-input-block]')].map((el) => {
      const base = { block_id: el.dataset.inputBlock, action_id: el.dataset.actionId, type: el.dataset.type };
      if (el.classList.contains('bk-choices')) {
        const checked = [...el.querySelectorAll('input:checked')].map((i) => i.value);
        return { ...base, value: el.dataset.type === 'checkboxes' ? checked : checked[0] || null };
      }
      if (el.tagName === 'SELECT' && el.multiple) return { ...base, value: [...el.selectedOptions].map((o) => o.value) };
      if (el.tagName === 'SELECT') return { ...base, value: el.value || null, text: el.selectedOptions[0]?.textContent };
      return { ...base, value: el.value };
    });
  }

  /** Where an element sits: a message (channel and ts), App Home, or the open modal. */
  function containerOf(el) {
    const message = el.closest('.message');
    if (message) return { kind: 'message', channel: message.dataset.channel, ts: message.dataset.ts };
    if (el.closest('#modal')) return { kind: 'modal', viewId: $('modal').dataset.viewId };
    return { kind: 'home' };
  }

  function sendAction(el, extra) {
    const container = containerOf(el);
    const action = { type: el.dataset.type, action_id: el.dataset.actionId, block_id: el.dataset.blockId, value: el.dataset.value, ...extra };
    return post('action', { container, action, values: container.kind === 'modal' ? modalValues() : undefined });
  }

  /** Slack's confirm dialog: the click is sent only if the person confirms. */
  function askFirst(button, go) {
    $('confirm-title').textContent = button.dataset.confirmTitle;
    $('confirm-text').innerHTML = button.dataset.confirmText;
    $('confirm-yes').textContent = button.dataset.confirmYes;
    $('confirm-no').textContent = button.dataset.confirmNo;
    $('confirm-backdrop').hidden = false;
    $('confirm-yes').focus();
    const done = (yes) => {
      $('confirm-backdrop').hidden = true;
      $('confirm-yes').onclick = $('confirm-no').onclick = null;
      if (yes) go();
    };
    $('confirm-yes').onclick = () => done(true);
    $('confirm-no').onclick = () => done(false);
  }

  /** A link into this workspace (a thread link on a card) opens here instead of in Slack. */
  function openArchiveLink(href) {
    const url = new URL(href, location.href);
    const m = url.origin === location.origin && /^\/archives\/([A-Z0-9]+)\/p(\d+)(\d{6})$/.exec(url.pathname);
    if (!m) return false;
    ui.conversation = m[1].startsWith('D') ? 'dm' : m[1];
    ui.thread = `${m[2]}.${m[3]}`;
    setUrl();
    void refresh();
    return true;
  }

  document.addEventListener('click', (event) => {
    const target = event.target;
    if (!(target instanceof Element)) return;
    const conversation = target.closest('[data-conversation]');
    if (conversation) {
      ui.conversation = conversation.dataset.conversation;
      ui.thread = null;
      setUrl();
      if (ui.conversation === 'home') void post('home', {});
      else void refresh();
      return;
    }
    const openThread = target.closest('[data-open-thread]');
    if (openThread) {
      ui.thread = openThread.dataset.openThread;
      setUrl();
      void refresh();
      return;
    }
    const button = target.closest('.bk-button');
    if (button) {
      event.preventDefault();
      const go = () => {
        if (button.dataset.url && !openArchiveLink(button.dataset.url)) window.open(button.dataset.url, '_blank', 'noopener');
        if (button.dataset.actionId) void sendAction(button);
      };
      if (button.dataset.confirmTitle) askFirst(button, go);
      else go();
      return;
    }
    const link = target.closest('a[href]');
    if (link && openArchiveLink(link.getAttribute('href'))) event.preventDefault();
  });

  document.addEventListener('change', (event) => {
    const el = event.target;
    if (!(el instanceof HTMLElement) || el.closest('[data-input-block]')) return;
    if (el.matches('select.bk-overflow, select.bk-select')) {
      if (!el.value) return;
      void sendAction(el, { selected: el.value, selectedText: el.selectedOptions[0]?.textContent });
    } else if (el.matches('input.bk-date')) {
      void sendAction(el, { selected: el.value });
    }
  });

  $('user').addEventListener('change', () => {
    ui.user = $('user').value;
    localStorage.setItem('demo-user', ui.user);
    ui.drawn = { main: '', thread: '', modal: '', modalId: '', list: '' };
    setUrl();
    if (ui.conversation === 'home') void post('home', {});
    else void refresh();
  });

  $('composer').addEventListener('submit', (event) => {
    event.preventDefault();
    const input = $('composer-text');
    const text = input.value.trim();
    if (!text) return;
    input.value = '';
    void post('command', { conversation: ui.conversation, text, threadTs: ui.thread || undefined });
  });

  $('modal').addEventListener('submit', (event) => {
    event.preventDefault();
    void post('submit', { viewId: $('modal').dataset.viewId, values: modalValues() });
  });
  const closeModal = () => void post('close', { viewId: $('modal').dataset.viewId });
  $('modal-cancel').addEventListener('click', closeModal);
  $('modal-x').addEventListener('click', closeModal);
  document.addEventListener('keydown', (event) => {
    if (event.key !== 'Escape') return;
    if (!$('confirm-backdrop').hidden) $('confirm-no').click();
    else if (!$('modal-backdrop').hidden) closeModal();
  });
  $('close-thread').addEventListener('click', () => {
    ui.thread = null;
    setUrl();
    void refresh();
  });
  $('plus-hour').addEventListener('click', () => void post('clock', { advanceMs: 3600000 }));
  $('plus-day').addEventListener('click', () => void post('clock', { advanceMs: 86400000 }));
  for (const button of document.querySelectorAll('[data-pass]')) {
    button.addEventListener('click', () => void post('pass', { name: button.dataset.pass }));
  }

  setUrl();
  if (ui.conversation === 'home') void post('home', {});
  else void refresh();
  setInterval(() => void refresh(), 1000);
})();
