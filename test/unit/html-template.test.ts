import { escapeHtml, html, raw } from '../../src/web/pages/html';

describe('html`` template', () => {
  it('escapes every interpolation, including attributes', () => {
    const name = `<script>alert("x")</script>'&`;
    expect(html`<p title="${name}">${name}</p>`.value).toBe(
      '<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39;&amp;">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39;&amp;</p>',
    );
  });

  it('nests fragments and raw() without double escaping, joins arrays, drops null/false', () => {
    const items = ['a<b', 'c'].map((x) => html`<li>${x}</li>`);
    expect(html`<ul>${items}</ul>${null}${false}${undefined}${raw('<hr>')}`.value).toBe('<ul><li>a&lt;b</li><li>c</li></ul><hr>');
    expect(html`${0}`.value).toBe('0');
  });

  it('escapes a backtick (old IE attribute quirk) and leaves plain text alone', () => {
    expect(escapeHtml('`ok` مرحبا')).toBe('&#96;ok&#96; مرحبا');
  });
});
