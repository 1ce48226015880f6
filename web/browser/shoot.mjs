// Moved to web/tests/browser/shoot.mjs (kept here for a while: same arguments).
import '../tests/browser/shoot.mjs';
