import { authCases } from './auth-cases'

authCases('rest')
