// Every screen of the app, one import per file. A screen file calls register() from
// router.js; add a line here for a new one (the analyst workspace adds ./analyst/*.js).
import './supervisor/submissions.js';
import './supervisor/household.js';
import './supervisor/compare.js';
import './supervisor/assignments.js';
import './supervisor/quality.js';
import './analyst/indicators.js';
import './analyst/catalog.js';
