// The wall board: an administrator issues a token for the province's
// board; the board reads it from the address, without signing in, and is
// legible on a 1920×1080 screen. A revoked or made-up token shows why
// nothing is there.
import { expect, test } from '@playwright/test'
import { apiToken, screenshot } from './helpers'

test.use({ viewport: { width: 1920, height: 1080 } })

test('the board shows the tiles and the overdue list with a token', async ({ page, request }) => {
  const admin = await apiToken(request, 'admin')
  const headers = { Authorization: `Bearer ${admin}` }
  const provinces = await request.get('/api/v1/org-units?kind=province&q=phu tho', { headers })
  const province = ((await provinces.json()) as { items: { id: number; valid_to: string | null }[] }).items.find(
    (u) => u.valid_to === null,
  )
  expect(province).toBeDefined()
  const created = await request.post('/api/v1/board-tokens', {
    headers,
    data: { name: 'Màn hình phòng họp', unit_id: province?.id },
  })
  expect(created.status()).toBe(201)
  const { token } = (await created.json()) as { token: string }

  await page.goto(`/board?token=${encodeURIComponent(token)}`)
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Bảng theo dõi nhiệm vụ')
  const tiles = page.getByTestId('board-tile')
  await expect(tiles.first()).toContainText('Toàn tỉnh')
  expect(await tiles.count()).toBeGreaterThan(2)
  await expect(page.getByTestId('board-overdue').locator('li').first()).toContainText('ngày')
  // Large type: the tile figures read from across a room.
  const size = await tiles.first().locator('strong').first().evaluate((el) => getComputedStyle(el).fontSize)
  expect(parseFloat(size)).toBeGreaterThanOrEqual(40)
  // No sign-in: the page made no call with a session.
  await expect(page.getByRole('button', { name: 'Đăng xuất' })).toHaveCount(0)
  await screenshot(page, 'board')
})

test('a made-up token is refused with a reason', async ({ page }) => {
  await page.goto('/board?token=khong-hop-le')
  await expect(page.getByText('Mã bảng tin không hợp lệ hoặc đã bị thu hồi')).toBeVisible()
  await page.goto('/board')
  await expect(page.getByText('Thiếu mã bảng tin trong địa chỉ')).toBeVisible()
})
