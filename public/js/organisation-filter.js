// The organisation filter's datalist, filled as one types (progressive enhancement: without this
// script the field still works, matched on the server when the form is sent). Asks the address in
// data-organisation-suggest for the best few matches a moment after typing stops.
const WAIT_MS = 200;

export function initOrganisationFilters(root = document) {
  for (const input of root.querySelectorAll('input[data-organisation-suggest]')) {
    const list = input.list;
    if (!list) continue;
    let timer = 0;
    let asked = '';
    let controller = null;
    input.addEventListener('input', () => {
      window.clearTimeout(timer);
      timer = window.setTimeout(async () => {
        const text = input.value.trim();
        if (text.length < 2 || text === asked) return;
        asked = text;
        controller?.abort();
        controller = new AbortController();
        const url = `${input.dataset.organisationSuggest}?q=${encodeURIComponent(text)}`;
        try {
          const res = await fetch(url, {
            headers: { Accept: 'application/json' },
            signal: controller.signal,
          });
          if (!res.ok) return;
          const { organisations } = await res.json();
          const options = organisations.map((o) => {
            const option = document.createElement('option');
            option.value = o.name;
            return option;
          });
          list.replaceChildren(...options);
        } catch {
          // Offline or aborted by a newer request: the field still works without suggestions.
        }
      }, WAIT_MS);
    });
  }
}
