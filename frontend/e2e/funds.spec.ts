// Programme funds: the fund manager sees the province's allocation tree,
// an allocation larger than what the province holds is refused in place
// (the conservation rule, on the amount), and one within it is recorded
// and shows in the commune's figures.
import { expect, test, type Page } from '@playwright/test'
import { screenshot, signIn } from './helpers'

async function choose(page: Page, label: string, option: string, search?: string) {
  const box = page.getByRole('dialog').getByLabel(label)
  await box.click()
  if (search) await box.fill(search)
  await page.locator(`.ant-select-item-option[title="${option}"]`).click()
}

const allocated = async (page: Page, unit: string) => {
  const row = page.getByTestId('fund-report').getByRole('row').filter({ hasText: unit })
  const cell = await row.getByRole('cell').nth(1).innerText()
  return Number(cell.replace(/\D/g, ''))
}

test('an overdraw is refused on the amount; an allocation within the balance is recorded', async ({ page }) => {
  await signIn(page, 'von.quanly')
  // The dashboard carries this year's disbursement rate of the province.
  const card = page.locator('.ant-card').filter({ hasText: 'Giải ngân vốn chương trình năm' })
  await expect(card).toContainText('Tỉnh Phú Thọ')
  await expect(card).toContainText('%')
  await page.getByRole('link', { name: 'Vốn chương trình' }).click()
  await page.getByLabel('Năm').fill(String(new Date().getFullYear() - 1))
  await page.getByLabel('Năm').press('Enter')
  await expect(page.getByTestId('fund-report')).toContainText('Xã Tân Sơn')
  const before = await allocated(page, 'Xã Tân Sơn')
  expect(before).toBeGreaterThan(0)
  await screenshot(page, 'funds')

  await page.getByRole('button', { name: 'Phân bổ vốn' }).click()
  const dialog = page.getByRole('dialog')
  await choose(page, 'Đơn vị nhận', 'Xã Tân Sơn', 'tan son')
  await choose(page, 'Nguồn vốn', 'Ngân sách trung ương - vốn đầu tư phát triển')
  await dialog.getByLabel('Số tiền (đồng)').fill('900000000000')
  await dialog.getByLabel('Số quyết định').fill('999/QĐ-UBND')
  await dialog.getByRole('button', { name: 'Lưu' }).click()
  const amountError = dialog.locator('.ant-form-item-explain-error')
  await expect(amountError.first()).toBeVisible()
  await expect(dialog.getByRole('alert').first()).toBeVisible()
  await screenshot(page, 'funds-overdraw')
  expect(await allocated(page, 'Xã Tân Sơn')).toBe(before)

  await dialog.getByLabel('Số tiền (đồng)').fill('100000000')
  await dialog.getByRole('button', { name: 'Lưu' }).click()
  await expect(dialog).toBeHidden()
  await expect.poll(() => allocated(page, 'Xã Tân Sơn')).toBe(before + 100_000_000)
  // Drilling into the commune shows its villages.
  await page.getByTestId('fund-report').getByRole('button', { name: 'Xã Tân Sơn' }).click()
  await expect(page.locator('.ant-breadcrumb')).toContainText('Xã Tân Sơn')
})
