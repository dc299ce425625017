// Starts GOV.UK Frontend's components (the navigation menu toggle, the skip link, error summaries).
import { initAll } from '/assets/govuk/js/govuk-frontend.min.js';

initAll();
