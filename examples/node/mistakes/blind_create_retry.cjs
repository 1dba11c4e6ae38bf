// sync.cjs with one mistake: a create that failed in a way that may have applied it (a 5xx, a
// timeout, a reset) is sent again without looking for what it made first. notion-sim test
// catches it as no_unsafe_retry, and as no_duplicate_creates when the first one had committed.
'use strict';
require('../sync.cjs').main({ blindCreateRetry: true });
