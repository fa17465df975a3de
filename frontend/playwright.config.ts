// End-to-end tests: Debian's Chromium (never a downloaded browser),
// headless with a fresh profile, against the real server on a throwaway
// SQLite database seeded with the demo data (e2e/serve.sh). One server,
// one database: the specs run in order, one worker.
import { defineConfig } from '@playwright/test'

const port = Number(process.env.E2E_PORT ?? 18181)

export default defineConfig({
  testDir: './e2e',
  outputDir: './test-results/artifacts',
  timeout: 90_000,
  expect: { timeout: 15_000 },
  workers: 1,
  fullyParallel: false,
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    viewport: { width: 1366, height: 768 },
    locale: 'vi-VN',
    timezoneId: 'Asia/Ho_Chi_Minh',
    // The app turns its animations off for reduced motion: no clicks on
    // drop-downs and panels still moving.
    reducedMotion: 'reduce',
    headless: true,
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  webServer: {
    command: 'bash e2e/serve.sh',
    url: `http://127.0.0.1:${port}/ready`,
    timeout: 15 * 60_000,
    reuseExistingServer: false,
    stdout: 'ignore',
    stderr: 'pipe',
    env: { E2E_PORT: String(port), E2E_RUNNER_PID: String(process.pid) },
  },
})
