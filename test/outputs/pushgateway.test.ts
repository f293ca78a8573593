import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { groupingSegment, groupUrl } from '../../src/outputs/pushgateway';

describe('grouping key in the URL', () => {
  it('plain values as they are, the rest in url-safe base64 (an empty value as =)', () => {
    assert.equal(groupingSegment('instance', 'host-1.example:9100'), 'instance/host-1.example:9100');
    assert.equal(groupingSegment('a', '..'), 'a@base64/Li4');
    assert.equal(groupingSegment('a', '.'), 'a@base64/Lg');
    assert.equal(groupingSegment('a', '/'), 'a@base64/Lw');
    assert.equal(groupingSegment('a', 'a/b'), 'a@base64/YS9i');
    assert.equal(groupingSegment('a', '%2F'), 'a@base64/JTJG');
    assert.equal(groupingSegment('a', ''), 'a@base64/=');
    assert.equal(Buffer.from(groupingSegment('a', 'Юрий 🚀').split('/')[1], 'base64url').toString('utf8'), 'Юрий 🚀');
  });

  it('job first, then the grouping labels, under the gateway (a trailing / or a path prefix kept)', () => {
    assert.equal(groupUrl('http://gw:9091/', 'open_notify', { a: '..', b: 'x' }), 'http://gw:9091/metrics/job/open_notify/a@base64/Li4/b/x');
    assert.equal(groupUrl('http://gw/pg', '..', {}), 'http://gw/pg/metrics/job@base64/Li4');
  });
});
