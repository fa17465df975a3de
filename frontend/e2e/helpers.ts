import { expect, type APIRequestContext, type Locator, type Page } from '@playwright/test'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'

export const PASSWORD = 'thuchanh2026'
export const SCREENSHOTS = join(import.meta.dirname, '..', 'test-results', 'screenshots')

export async function signIn(page: Page, username: string) {
  await page.goto('/')
  await page.getByLabel('Tên đăng nhập').fill(username)
  await page.getByLabel('Mật khẩu').fill(PASSWORD)
  await page.getByRole('button', { name: 'Đăng nhập' }).click()
  await expect(page.getByTestId('current-user')).toBeVisible()
}

export async function signOut(page: Page) {
  await page.getByRole('button', { name: 'Đăng xuất' }).click()
  await expect(page.getByRole('heading', { name: 'Đăng nhập' })).toBeVisible()
}

export async function screenshot(page: Page, name: string) {
  mkdirSync(SCREENSHOTS, { recursive: true })
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true })
}

/** An access token for calls the test makes itself (setup, checks). */
export async function apiToken(request: APIRequestContext, username: string): Promise<string> {
  const res = await request.post('/api/v1/auth/login', { data: { username, password: PASSWORD } })
  expect(res.status()).toBe(200)
  return ((await res.json()) as { access_token: string }).access_token
}

/** `date` as the date pickers take it: dd/mm/yyyy. */
export function typed(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0')
  return `${pad(date.getDate())}/${pad(date.getMonth() + 1)}/${date.getFullYear()}`
}

/** Clicks an option of the drop-down that is open now (antd keeps closed ones in the page). */
export async function chooseOption(page: Page, title: string | RegExp) {
  const options = page.locator('.ant-select-dropdown:not(.ant-select-dropdown-hidden) .ant-select-item-option')
  const option =
    typeof title === 'string' ? options.and(page.locator(`[title="${title}"]`)) : options.filter({ hasText: title })
  await option.first().click()
}

/**
 * Picks `option` in the antd select `box` (typing `search` first for remote
 * searches), and checks that the select shows it; tried again while a
 * closing drop-down or a late search answer gets in the way.
 */
export async function pick(page: Page, box: Locator, option: string, search?: string) {
  const field = box.locator('xpath=ancestor::*[contains(concat(" ", @class, " "), " ant-select ")][1]')
  await expect(async () => {
    await box.click()
    if (search) await box.fill(search)
    await chooseOption(page, option)
    await expect(field).toContainText(option, { timeout: 2000 })
  }).toPass({ timeout: 30_000 })
}
