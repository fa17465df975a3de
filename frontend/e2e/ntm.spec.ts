// NTM review: the Department of Construction returns the criteria it
// appraises for Xã Tân Sơn with a reason; the commune sees the reason,
// corrects the criterion the coordination office returned earlier (the
// pass/fail follows as it enters), saves and submits again.
import { expect, test } from '@playwright/test'
import { chooseOption, pick, screenshot, signIn, signOut } from './helpers'

test.describe.configure({ mode: 'serial' })

const reason = 'Thiếu hồ sơ minh chứng về quy hoạch, đề nghị bổ sung'

test('a department returns its criteria with a reason', async ({ page }) => {
  await signIn(page, 'soxd.thamdinh')
  await page.getByRole('link', { name: 'Nông thôn mới' }).click()
  const awaiting = page.locator('.ant-card').filter({ hasText: 'Chờ tôi thẩm định' })
  await awaiting.getByRole('link', { name: 'Xã Tân Sơn' }).first().click()
  await expect(page.getByRole('heading', { name: /Xã Tân Sơn/ })).toBeVisible()
  await page.getByRole('button', { name: 'Trả lại', exact: true }).click()
  const dialog = page.getByRole('dialog')
  await dialog.getByLabel('Lý do').fill(reason)
  await dialog.getByRole('button', { name: 'Trả lại', exact: true }).click()
  await expect(dialog).toBeHidden()
  await expect(page.getByText(reason).first()).toBeVisible()
  await expect(page.getByRole('button', { name: 'Trả lại', exact: true })).toHaveCount(0)
  await screenshot(page, 'ntm-returned')
  await signOut(page)
})

test('the commune corrects a returned criterion and submits again', async ({ page }) => {
  await signIn(page, 'xa.tanson')
  await page.getByRole('link', { name: 'Nông thôn mới' }).click()
  await page.getByRole('link', { name: 'Xã Tân Sơn' }).click()
  await expect(page.getByTestId('evaluation-status')).toHaveText('Bị trả lại')
  // The department's reason reaches the commune.
  await expect(page.getByText(reason).first()).toBeVisible()

  await page.getByTestId('criterion-17').click()
  const input = page.getByRole('combobox', { name: /^17 / })
  await pick(page, input, 'Không')
  await expect(page.getByTestId('result-17')).toHaveText('Chưa đạt')
  await pick(page, input, 'Có')
  await expect(page.getByTestId('result-17')).toHaveText('Đạt')
  await screenshot(page, 'ntm-entry')
  await page.getByRole('button', { name: 'Lưu' }).first().click()
  await expect(page.getByText('Đã ghi nhận')).toBeVisible()

  await page.getByRole('button', { name: 'Gửi thẩm định' }).click()
  await expect(page.getByTestId('evaluation-status')).toHaveText('Đang thẩm định')
  await expect(page.getByTestId('criterion-17')).not.toContainText('Được sửa')
})

test('the coordinator reads the statistics and the matrix', async ({ page }) => {
  await signIn(page, 'ntm.dieuphoi')
  await expect(page.locator('.ant-card').filter({ hasText: 'xã đạt đủ tiêu chí' })).toBeVisible()
  await page.getByRole('link', { name: 'Nông thôn mới' }).click()
  await page.getByRole('link', { name: 'Thống kê nông thôn mới' }).click()
  const matrix = page.getByTestId('ntm-matrix')
  const row = matrix.getByRole('row').filter({ hasText: 'Xã Tân Sơn' })
  await expect(row).toBeVisible()
  // 19 criteria, each met or not.
  await expect(row.locator('.cell-met, .cell-unmet')).toHaveCount(19)
  await expect(page.getByText('Số xã được đánh giá')).toBeVisible()
  await screenshot(page, 'ntm-stats')
})

test('the coordinator versions the criteria set, sets a threshold, publishes it and opens a round', async ({ page }) => {
  await signIn(page, 'ntm.dieuphoi')
  await page.getByRole('link', { name: 'Nông thôn mới' }).click()
  await page.getByRole('link', { name: 'Bộ tiêu chí và đợt đánh giá' }).click()
  const published = page.getByRole('row').filter({ hasText: 'Đã công bố' }).filter({ hasText: 'DỮ LIỆU MẪU' })
  await published.getByRole('link').click()
  await page.getByRole('button', { name: 'Sao chép thành phiên bản mới' }).click()
  await expect(page.getByText('Bản nháp')).toBeVisible()

  // Criterion 10 (income): raise the threshold.
  await page.getByRole('button', { name: /^10\. / }).click()
  const target = page.locator('#criteria_9_indicators_0_targets_0_value')
  await target.fill('60')
  await page.getByRole('button', { name: 'Lưu' }).click()
  await expect(page.getByText('Đã ghi nhận')).toBeVisible()
  await screenshot(page, 'ntm-set-editor')
  await page.getByRole('button', { name: 'Công bố' }).click()
  await page.getByRole('button', { name: /OK|Đồng ý/ }).click()
  await expect(page.getByText('Đã công bố').first()).toBeVisible()
  await expect(target).toBeDisabled()
  await expect(target).toHaveValue('60')

  await page.getByRole('link', { name: /Quay lại/ }).click()
  const form = page.locator('.ant-card').filter({ hasText: 'Mở đợt đánh giá' })
  await form.getByLabel('Bộ tiêu chí').click()
  await chooseOption(page, /\(v2\)/)
  await form.getByLabel('Tên đợt').fill('Đánh giá đột xuất cuối năm')
  await pick(page, form.getByLabel('Loại đợt'), 'Đột xuất')
  await pick(page, form.getByRole('combobox', { name: 'Các xã tham gia' }), 'Xã Tân Sơn', 'tan son')
  await form.getByRole('button', { name: 'Mở đợt' }).click()
  await expect(page.getByText('Đã mở đợt đánh giá')).toBeVisible()
})
