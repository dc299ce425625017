// Starts GOV.UK Frontend's components (the navigation menu toggle, the skip link, error summaries)
// and our own enhancements.
import { initAll } from '/assets/govuk/js/govuk-frontend.min.js';
import { initOrganisationFilters } from '/assets/js/organisation-filter.js';

initAll();
initOrganisationFilters();
