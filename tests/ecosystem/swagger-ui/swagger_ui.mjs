// Swagger UI in a real browser: authorize with the demo client (OAuth 2.0
// client credentials), "Try it out" on PUT /api/relationships/{relationshipId}
// with its example, expect 200; switch the response type to XML, expect XML.
// Then the docs page from another origin (localhost, where liaison runs with
// --cors-origin for it) calls liaison at 127.0.0.1: CORS, preflight and all.
// Env: LIAISON_URL, LIAISON_CLIENT_ID, LIAISON_CLIENT_SECRET, SCREENSHOT_DIR.
import { chromium } from 'playwright-core';

const base = process.env.LIAISON_URL;
const shots = process.env.SCREENSHOT_DIR ?? '.';
let passed = 0;
let failed = 0;
const check = (label, ok, detail = '') => {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${label}${detail ? `: ${detail}` : ''}`);
  ok ? passed++ : failed++;
  if (!ok) throw new Error(label);
};

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });

/** A viewport screenshot with the request URL and the live response at the top. */
async function snapshot(name) {
  await page.locator('.request-url').first().evaluate((e) => e.scrollIntoView({ block: 'start' }));
  await page.mouse.wheel(0, -60);
  await page.waitForTimeout(300);
  await page.screenshot({ path: `${shots}/${name}` });
}
try {
  await page.goto(`${base}/docs`, { waitUntil: 'networkidle' });
  await page.locator('button.authorize').first().click();
  const dialog = page.locator('.dialog-ux .modal-ux');
  await dialog.locator('input[data-name=clientId]').fill(process.env.LIAISON_CLIENT_ID);
  await dialog.locator('input[data-name=clientSecret]').fill(process.env.LIAISON_CLIENT_SECRET);
  const selectAll = dialog.getByText('select all', { exact: true });
  if (await selectAll.count()) await selectAll.first().click();
  const tokenAnswer = page.waitForResponse((r) => r.url().endsWith('/oauth2/token'));
  await dialog.locator('button.modal-btn.authorize').first().click();
  const token = await tokenAnswer;
  check('token request answered 200', token.status() === 200);
  const accessToken = (await token.json()).access_token;
  await dialog.locator('button:has-text("Logout")').first().waitFor();
  check('the dialog shows the client as authorized', true);
  await dialog.locator('button.btn-done, button:has-text("Close")').first().click();

  const op = page.locator('[id$="-updateRelationship"]').first();
  await op.locator('.opblock-summary').first().click();
  await op.locator('button.try-out__btn').click();
  await op.locator('input[placeholder="relationshipId"]').fill('d32a9192-353c-45fe-bbd4-b88702800467');
  const execute = async () => {
    const answered = page.waitForResponse((r) => r.url().includes('/api/relationships/d32a9192'));
    await op.locator('button.execute').click();
    const response = await answered;
    await op.locator('.live-responses-table .response .response-col_status').first().waitFor();
    return response;
  };
  const json = await execute();
  const jsonBody = await json.text();
  check('PUT with the example answered 200', json.status() === 200, `${json.status()}`);
  check('the JSON body is the documented envelope', jsonBody.includes('"success":true') && jsonBody.includes('update-relationship'));
  const shown = (await op.locator('.live-responses-table .response .response-col_status').first().innerText()).trim();
  check('Swagger UI shows 200', shown.startsWith('200'), shown);
  await snapshot('swagger-ui.png');

  // The response content type selector sets Accept for the next execution.
  await op.locator('.responses-wrapper select.content-type, .responses-inner select.content-type').first().selectOption('application/xml');
  const xml = await execute();
  const xmlBody = await xml.text();
  check('with Accept: application/xml the answer is XML', xml.status() === 200 && xmlBody.startsWith('<?xml'), xmlBody.slice(0, 80));
  await snapshot('swagger-ui-xml.png');

  const otherOrigin = base.replace('127.0.0.1', 'localhost');
  await page.goto(`${otherOrigin}/docs`, { waitUntil: 'networkidle' });
  const across = await page.evaluate(async ({ api, accessToken }) => {
    const r = await fetch(`${api}/api/relationships/d32a9192-353c-45fe-bbd4-b88702800467`, {
      headers: { Authorization: `Bearer ${accessToken}`, Accept: 'application/json', 'X-Correlation-Id': 'cors-check' },
    });
    return { status: r.status, etag: r.headers.get('etag'), correlation: r.headers.get('x-correlation-id') };
  }, { api: base, accessToken });
  check('a page on another allowed origin calls the API', across.status === 200, JSON.stringify(across));
  check('and reads the exposed ETag and X-Correlation-Id', !!across.etag && across.correlation === 'cors-check');
} catch (error) {
  console.log(`error: ${error.message}`);
  await page.screenshot({ path: `${shots}/swagger-ui-failure.png`, fullPage: true }).catch(() => {});
  if (failed === 0) failed++;
} finally {
  await browser.close();
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
