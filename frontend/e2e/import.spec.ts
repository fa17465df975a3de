// A legacy report through the import wizard: the Programme 135 report of
// Tân Sơn district (2014) previews with the totals its expected.json
// states, commits with the progress bar, shows in the history, and rolls
// back.
import { expect, test } from '@playwright/test'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { screenshot, signIn } from './helpers'

const samples = join(import.meta.dirname, '..', '..', 'data', 'samples')
const name = 'p135_tan-son_2014.xlsx'
const expected = JSON.parse(readFileSync(join(samples, name.replace('.xlsx', '.expected.json')), 'utf8')) as {
  communes: number
  records: number
  total_planned_dong: number
  total_disbursed_dong: number
}
const dong = (n: number) => `${new Intl.NumberFormat('vi-VN').format(n)} đ`

test('a P135 report previews, commits and rolls back', async ({ page }) => {
  await signIn(page, 'von.quanly')
  await page.getByRole('link', { name: 'Nhập Excel' }).click()
  await expect(page.getByRole('heading', { name: 'Nhập báo cáo Excel' })).toBeVisible()
  await page.locator('input[type=file]').setInputFiles(join(samples, name))
  await page.getByRole('button', { name: 'Xem trước' }).click()

  await expect(page.getByTestId('summary-communes')).toHaveText(String(expected.communes))
  await expect(page.getByTestId('summary-records')).toHaveText(String(expected.records))
  await expect(page.getByTestId('summary-total_planned_dong')).toHaveText(dong(expected.total_planned_dong))
  await expect(page.getByTestId('summary-total_disbursed_dong')).toHaveText(
    dong(expected.total_disbursed_dong),
  )
  await expect(page.getByTestId('summary-total_row_reconciles')).toHaveText('Có')
  // Villages not yet known are proposed for creation.
  await expect(page.getByTestId('import-warnings')).toContainText('sẽ được tạo')
  await expect(page.getByTestId('import-errors')).toHaveCount(0)
  await screenshot(page, 'import-preview')

  await page.getByRole('button', { name: 'Ghi vào hệ thống' }).click()
  await expect(page.locator('.ant-result-title')).toHaveText('Đã ghi vào hệ thống')
  await expect(page.getByTestId('import-outcome')).toContainText('allocations')
  const history = page.locator('.ant-card').filter({ hasText: 'Lịch sử nhập' })
  const row = history.getByRole('row').filter({ hasText: name }).first()
  await expect(row).toContainText('Đã ghi vào hệ thống')
  await screenshot(page, 'import-committed')

  await row.getByRole('button', { name: 'Hoàn tác' }).click()
  await page.getByRole('button', { name: /OK|Đồng ý/ }).click()
  await expect(row).toContainText('Đã hoàn tác')
})
