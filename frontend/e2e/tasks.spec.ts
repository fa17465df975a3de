// A task from assignment to confirmation, each step by the role that owns
// it: the Office's specialist records a directive and assigns a task to
// the Department of Finance; its leader accepts it, reports progress and
// proposes completion with the result report attached; the specialist
// reviews it; the Office's leader confirms it.
import { expect, test, type Page } from '@playwright/test'
import { pick, screenshot, signIn, signOut, typed } from './helpers'

test.describe.configure({ mode: 'serial' })

const number = `${Date.now() % 100000}/CV-UBND`
const content = `Rà soát hồ sơ giải ngân vốn đầu tư công, văn bản ${number}`
const report = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n')

async function openTask(page: Page) {
  await page.getByRole('link', { name: 'Nhiệm vụ', exact: true }).click()
  await page.getByRole('searchbox', { name: 'Tìm kiếm' }).fill(number)
  await page.getByRole('searchbox', { name: 'Tìm kiếm' }).press('Enter')
  await page.getByRole('link', { name: content }).click()
  await expect(page.getByRole('heading', { name: content })).toBeVisible()
}

async function act(page: Page, action: string, fill?: (dialog: ReturnType<Page['getByRole']>) => Promise<void>) {
  await page.getByRole('button', { name: action, exact: true }).click()
  const dialog = page.getByRole('dialog')
  await expect(dialog).toBeVisible()
  if (fill) await fill(dialog)
  await dialog.getByRole('button', { name: action, exact: true }).click()
  await expect(dialog).toBeHidden()
}

test('the Office specialist assigns a task', async ({ page }) => {
  await signIn(page, 'vp.chuyenvien')
  await expect(page.getByTestId('current-user')).toHaveText('Lê Minh Tuấn')
  await screenshot(page, 'dashboard')
  await page.getByRole('link', { name: 'Nhiệm vụ', exact: true }).click()
  await expect(page.getByRole('heading', { name: 'Nhiệm vụ được giao' })).toBeVisible()
  await screenshot(page, 'tasks')
  await page.getByRole('button', { name: 'Giao nhiệm vụ mới' }).click()
  await page.getByLabel('Số, ký hiệu').fill(number)
  await page.getByLabel('Trích yếu').fill('Về việc đẩy nhanh tiến độ giải ngân vốn đầu tư công')
  await page.getByLabel('Nội dung nhiệm vụ').fill(content)
  // Searching without diacritics finds the department.
  await pick(page, page.getByRole('combobox', { name: 'Cơ quan chủ trì 1' }), 'Sở Tài chính', 'so tai chinh')
  const due = new Date(Date.now() + 30 * 86_400_000)
  await page.getByLabel('Thời hạn 1').fill(typed(due))
  await page.getByRole('heading', { name: 'Giao nhiệm vụ mới' }).click()
  await expect(page.getByLabel('Thời hạn 1')).toHaveValue(typed(due))
  await screenshot(page, 'directive-new')
  await page.getByRole('button', { name: 'Ghi văn bản và giao nhiệm vụ' }).click()
  await expect(page).toHaveURL(/\/tasks\?directive_id=\d+/)
  const row = page.getByRole('row').filter({ hasText: content })
  await expect(row).toContainText('Đã giao')
  await expect(row).toContainText(typed(due))
  await expect(row).toContainText('Sở Tài chính')
  await signOut(page)
})

test('the Department of Finance accepts, reports and proposes completion with a file', async ({ page }) => {
  await signIn(page, 'sotc.lanhdao')
  await openTask(page)
  await act(page, 'Tiếp nhận')
  await expect(page.getByTestId('task-state')).toHaveText('Đang thực hiện')
  await act(page, 'Báo cáo tiến độ', async (dialog) => {
    await dialog.getByLabel('Phần trăm hoàn thành').fill('60')
    await dialog.getByLabel('Nội dung').fill('Đã rà soát 12 trên 20 hồ sơ')
  })
  await expect(page.getByTestId('timeline')).toContainText('Đã rà soát 12 trên 20 hồ sơ')
  await act(page, 'Đề nghị hoàn thành', async (dialog) => {
    await dialog.getByLabel('Kết quả thực hiện').fill('Đã rà soát xong 20 hồ sơ, báo cáo kèm theo')
    await dialog.locator('input[type=file]').setInputFiles({
      name: 'bao-cao-ket-qua.pdf',
      mimeType: 'application/pdf',
      buffer: report,
    })
    await expect(dialog.getByText('bao-cao-ket-qua.pdf')).toBeVisible()
    await expect(dialog.locator('.ant-upload-list-item-done')).toHaveCount(1)
  })
  await expect(page.getByTestId('task-state')).toHaveText('Đề nghị hoàn thành')
  await expect(page.getByTestId('timeline').getByText('bao-cao-ket-qua.pdf')).toBeVisible()
  await screenshot(page, 'task-proposed')
  await signOut(page)
})

test('the specialist reviews and the Office leader confirms', async ({ page }) => {
  await signIn(page, 'vp.chuyenvien')
  await openTask(page)
  // The result report downloads as it was uploaded.
  const [file] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('timeline').getByText('bao-cao-ket-qua.pdf').click(),
  ])
  expect(file.suggestedFilename()).toBe('bao-cao-ket-qua.pdf')
  await act(page, 'Thẩm tra')
  await expect(page.getByTestId('task-state')).toHaveText('Đã thẩm tra')
  await expect(page.getByRole('button', { name: 'Xác nhận hoàn thành' })).toHaveCount(0)
  await signOut(page)

  await signIn(page, 'vp.lanhdao')
  await openTask(page)
  await act(page, 'Xác nhận hoàn thành')
  await expect(page.getByTestId('task-state')).toHaveText('Hoàn thành')
  await expect(page.getByTestId('timeline')).toContainText('Xác nhận hoàn thành')
  await screenshot(page, 'task-confirmed')
})

test('a wrong password is refused and English can be chosen', async ({ page }) => {
  await page.goto('/')
  await page.getByLabel('Tên đăng nhập').fill('vp.chuyenvien')
  await page.getByLabel('Mật khẩu').fill('khong-dung')
  await page.getByRole('button', { name: 'Đăng nhập' }).click()
  await expect(page.getByRole('alert')).toContainText('Sai tên đăng nhập hoặc mật khẩu')
  await signIn(page, 'sotc.canbo')
  await page.getByRole('button', { name: 'English' }).click()
  await expect(page.getByRole('link', { name: 'Tasks', exact: true })).toBeVisible()
  await page.getByRole('button', { name: 'Tiếng Việt' }).click()
  await expect(page.getByRole('link', { name: 'Nhiệm vụ', exact: true })).toBeVisible()
  // An agency officer is offered no import.
  await expect(page.getByRole('link', { name: 'Nhập Excel' })).toHaveCount(0)
})
