// Programme funds: the fund manager sees the province's allocation tree,
// an allocation larger than what the province holds is refused in place
// (the conservation rule, on the amount), and one within it is recorded
// and shows in the commune's figures.
import { expect, test, type Page } from '@playwright/test'
import { pick, screenshot, signIn } from './helpers'

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
  // The projects below, with their money.
  await expect(page.getByTestId('project-report')).toContainText('Đường giao thông liên thôn')
  await screenshot(page, 'funds')

  await page.getByRole('button', { name: 'Phân bổ vốn' }).click()
  const dialog = page.getByRole('dialog')
  await pick(page, dialog.getByLabel('Đơn vị nhận'), 'Xã Tân Sơn', 'tan son')
  await pick(page, dialog.getByLabel('Nguồn vốn'), 'Ngân sách trung ương - vốn đầu tư phát triển')
  await dialog.getByLabel('Số tiền (đồng)').fill('900000000000')
  await dialog.getByLabel('Số quyết định').fill('999/QĐ-UBND')
  await dialog.getByRole('button', { name: 'Lưu' }).click()
  // The conservation rule's refusal, on the amount field.
  const amountError = dialog.locator('.ant-form-item-explain-error')
  await expect(amountError).toHaveCount(1)
  await expect(amountError).toContainText('vượt quá số vốn còn lại')
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

test('a programme is defined with its phase and components', async ({ page }) => {
  await signIn(page, 'von.quanly')
  await page.getByRole('link', { name: 'Vốn chương trình' }).click()
  await page.getByRole('link', { name: 'Thiết lập chương trình' }).click()
  const form = page.locator('.ant-card').filter({ hasText: 'Khai báo chương trình mới' })
  await form.getByLabel('Mã').first().fill('HT-VUNG-2026')
  await form.getByLabel('Tên').first().fill('Chương trình hỗ trợ vùng khó khăn 2026–2030')
  await form.getByRole('button', { name: 'Thêm giai đoạn' }).click()
  await form.locator('#phases_0_name').fill('Giai đoạn I')
  await form.locator('#phases_0_start_year').fill('2026')
  await form.locator('#phases_0_end_year').fill('2030')
  await form.getByRole('button', { name: 'Thêm nội dung' }).click()
  await form.locator('#components_0_code').fill('CSHT')
  await form.locator('#components_0_name').fill('Đầu tư cơ sở hạ tầng')
  await form.getByRole('button', { name: 'Thêm nội dung' }).click()
  await form.locator('#components_1_code').fill('CSHT.DT')
  await form.locator('#components_1_name').fill('Duy tu công trình')
  await form.locator('#components_1_parent_code').fill('CSHT')
  await form.getByRole('button', { name: 'Tạo chương trình' }).click()
  const card = page.getByTestId('programme').filter({ hasText: 'HT-VUNG-2026' })
  await expect(card).toContainText('Giai đoạn I: 2026–2030')
  await expect(card).toContainText('↳ Duy tu công trình')
  await screenshot(page, 'programmes')
})
