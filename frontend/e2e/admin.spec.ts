// Administration: the administrator issues a board token for the province
// through the screens, the board opens with it; the audit log shows who
// did it.
import { expect, test } from '@playwright/test'
import { pick, screenshot, signIn } from './helpers'

test('a board token issued in the administration opens the board', async ({ page, context }) => {
  await signIn(page, 'admin')
  await page.getByRole('link', { name: 'Quản trị' }).click()
  await page.getByRole('tab', { name: 'Tài khoản dịch vụ & bảng tin' }).click()
  await page.getByRole('button', { name: 'Cấp mã bảng tin' }).click()
  const dialog = page.getByRole('dialog')
  await dialog.getByLabel('Tên').fill('Màn hình phòng họp tầng 2')
  await pick(page, dialog.getByLabel('Cơ quan ban hành (bảng tin của đơn vị)'), 'Tỉnh Phú Thọ', 'phu tho')
  await dialog.getByRole('button', { name: 'Lưu' }).click()
  const open = dialog.getByRole('link', { name: 'Mở bảng tin' })
  await expect(open).toBeVisible()
  await screenshot(page, 'admin-board-token')
  const href = await open.getAttribute('href')
  expect(href).toMatch(/\/board\?token=/)

  const board = await context.newPage()
  await board.goto(href ?? '')
  await expect(board.getByRole('heading', { level: 1 })).toContainText('Tỉnh Phú Thọ')

  await page.keyboard.press('Escape')
  await page.getByRole('tab', { name: 'Nhật ký' }).click()
  await expect(page.getByRole('table')).toContainText('admin')
  await screenshot(page, 'admin-audit')
})
